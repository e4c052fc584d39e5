"""SOC 2 Trust Services Criteria (2017, points of focus revised 2022): every criterion.

Common criteria CC1 to CC9, availability A1, confidentiality C1, processing
integrity PI1 and privacy P1 to P8.  Titles are our own short paraphrases,
never the criteria's text; the last column says whether a procedure run as
jobs can evidence the criterion (see :mod:`.catalogue`).
"""

from __future__ import annotations

from sopframe_plugins.compliance.catalogue import Catalogue, parse_catalogue

CATALOGUE: Catalogue = parse_catalogue("""
CC1.1 | Integrity and ethical values shown from the top                       | n
CC1.2 | The board oversees internal control independently                     | n
CC1.3 | Structures, reporting lines and authority set by management           | y
CC1.4 | Attracting, developing and keeping competent people                   | y
CC1.5 | People held accountable for their control duties                      | y
CC2.1 | Quality information used to run controls                              | n
CC2.2 | Internal communication of responsibilities and how to report issues   | y
CC2.3 | Communication with outside parties                                    | y
CC3.1 | Objectives clear enough to find the risks to them                     | n
CC3.2 | Risks to objectives found and analysed                                | y
CC3.3 | Fraud considered when assessing risk                                  | n
CC3.4 | Significant changes found and their effect assessed                   | y
CC4.1 | Evaluations that controls are present and working                     | y
CC4.2 | Control deficiencies reported and fixed in time                       | y
CC5.1 | Control activities chosen, segregation of duties included             | y
CC5.2 | General controls over technology                                      | n
CC5.3 | Policies and procedures put into practice                             | y
CC6.1 | Logical access security over systems and data                         | n
CC6.2 | Registering, authorising and removing users                           | y
CC6.3 | Granting, changing and removing access by role                        | y
CC6.4 | Physical access to facilities and assets restricted                   | y
CC6.5 | Protection kept until disposed assets are wiped                       | y
CC6.6 | Threats from outside the system boundary kept out                     | n
CC6.7 | Moving and removing information restricted                            | n
CC6.8 | Unauthorised or malicious software prevented or detected              | n
CC7.1 | Detecting vulnerabilities and configuration changes                   | y
CC7.2 | Monitoring components for anomalies that signal attacks               | y
CC7.3 | Evaluating security events to spot incidents                          | y
CC7.4 | Responding to security incidents by a defined programme               | y
CC7.5 | Recovering from security incidents and testing the recovery           | y
CC8.1 | Change management: authorised, tested, approved, recorded             | y
CC9.1 | Mitigating the risk of business disruption                            | y
CC9.2 | Managing risk from vendors and business partners                      | y
A1.1  | Capacity watched and planned                                          | n
A1.2  | Backup and recovery infrastructure in place and watched               | y
A1.3  | Recovery plan procedures tested                                       | y
C1.1  | Confidential information identified and protected                     | n
C1.2  | Confidential information disposed of when due                         | y
PI1.1 | Processing definitions and specifications made known                  | n
PI1.2 | Inputs checked for completeness and accuracy                          | n
PI1.3 | Processing complete, accurate and timely                              | n
PI1.4 | Outputs complete, accurate and delivered as meant                     | n
PI1.5 | Stored data complete and accurate                                     | n
P1.1  | Privacy notice given to data subjects                                 | n
P2.1  | Choices and consent about personal data                               | n
P3.1  | Personal data collected only for stated purposes                      | n
P3.2  | Explicit consent where it is needed                                   | n
P4.1  | Personal data used only for stated purposes                           | n
P4.2  | Personal data kept only as long as needed                             | y
P4.3  | Personal data disposed of securely                                    | y
P5.1  | Data subjects can see their personal data                             | y
P5.2  | Data subjects can have their personal data corrected                  | y
P6.1  | Disclosures to third parties only with consent                        | n
P6.2  | Authorised disclosures recorded                                       | y
P6.3  | Unauthorised disclosures recorded                                     | y
P6.4  | Privacy commitments obtained from third parties                       | n
P6.5  | Third parties report unauthorised disclosures                         | n
P6.6  | Breaches notified to the people affected                              | y
P6.7  | Data subjects told what was disclosed about them                      | y
P7.1  | Personal data kept accurate and complete                              | n
P8.1  | Privacy inquiries, complaints and disputes handled                    | y
""")
