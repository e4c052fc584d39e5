"""Compliance plugins: ISO/IEC 27001:2022, SOC 2 and PCI DSS v4.0.1.

Each framework is its own plugin (:mod:`.iso27001`, :mod:`.soc2`,
:mod:`.pcidss`) registered through the ``sopframe`` entry-point group.  The
checks they share are written once in :mod:`.checks`; each framework turns a
check into a rule with its own code, severity and the control ids it cites
(:mod:`.ruleset`).  The compliance data a template declares (which stage does
which part of the procedure, and how often the procedure runs) lives under
the optional ``compliance:`` key, added by :mod:`.extension`.  Organisation
policy values and their defaults are in :mod:`.policy`.
"""
