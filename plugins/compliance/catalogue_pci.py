"""PCI DSS v4.0.1: every requirement to the second level (x.y), and every x.y.z a rule cites.

Titles are our own short paraphrases, never the standard's text; the last
column says whether a procedure run as jobs can evidence the requirement
(see :mod:`.catalogue`).
"""

from __future__ import annotations

from sopframe_plugins.compliance.catalogue import Catalogue, parse_catalogue

CATALOGUE: Catalogue = parse_catalogue("""
1.1     | Network security control processes defined and understood              | y
1.1.1   | Network security procedures documented, current, in use and known       | y
1.2     | Network security controls configured and kept up                        | n
1.3     | Traffic into and out of the card data environment restricted            | n
1.4     | Controls on what crosses from untrusted to trusted networks             | n
1.5     | Devices that touch both the CDE and untrusted networks made safe        | n
2.1     | Secure configuration processes defined and understood                   | y
2.1.1   | Secure configuration procedures documented, current, in use and known   | y
2.2     | Every system component hardened and run to a secure baseline            | n
2.3     | Wireless environments configured securely                               | n
3.1     | Stored account data processes defined and understood                    | y
3.1.1   | Stored data protection procedures documented, current, in use and known | y
3.2     | Account data stored only as much and as long as needed                  | y
3.3     | Sensitive authentication data not kept after authorisation              | n
3.4     | Viewing and copying of full card numbers restricted                     | n
3.5     | Card numbers made unreadable wherever stored                            | n
3.6     | Keys that protect stored data secured                                   | n
3.7     | Key management processes across the key life cycle                      | y
4.1     | Strong cryptography in transit: processes defined and understood        | y
4.1.1   | Transmission security procedures documented, current, in use and known  | y
4.2     | Card numbers protected by strong cryptography when sent                 | n
5.1     | Malware protection processes defined and understood                     | y
5.1.1   | Malware protection procedures documented, current, in use and known     | y
5.2     | Malware prevented, or detected and dealt with                           | n
5.3     | Anti-malware kept active, updated and watched                           | n
5.4     | Users protected against phishing                                        | n
6.1     | Secure systems and software processes defined and understood            | y
6.1.1   | Secure systems and software procedures documented, current, in use and known | y
6.2     | In-house and bespoke software built with security in mind               | y
6.3     | Security vulnerabilities found and dealt with                           | y
6.3.1   | Vulnerabilities identified and risk-ranked                              | y
6.3.3   | Security patches installed in time; critical ones within a month of release | y
6.4     | Web applications exposed to the internet shielded from attacks          | n
6.5     | Every change to system components under secure change control           | y
6.5.1   | Records for changes to production systems                               | y
6.5.2   | Requirements confirmed after a significant change                       | y
6.5.3   | Pre-production kept apart from production                               | y
6.5.4   | Separate roles for pre-production and production work                   | y
6.5.5   | No live card data in pre-production                                     | y
6.5.6   | Test data cleared, and test accounts deleted, before go-live            | y
7.1     | Access-by-need processes defined and understood                         | y
7.1.1   | Access restriction procedures documented, current, in use and known     | y
7.2     | Access to systems and data defined and assigned                         | y
7.2.1   | Access control model defined                                            | y
7.2.2   | Access by job function with least privilege                             | y
7.2.3   | Privileges approved by authorised people                                | y
7.2.4   | Accounts and privileges reviewed every six months                       | y
7.3     | Access enforced by access control systems                               | n
8.1     | Identification and authentication processes defined and understood      | y
8.1.1   | Identification and authentication procedures documented, current, in use and known | y
8.2     | User IDs and accounts managed through their life                        | y
8.2.4   | Adding, changing and removing user IDs authorised                       | y
8.2.5   | Access of terminated users revoked at once                              | y
8.2.6   | Inactive accounts switched off after at most 90 idle days               | y
8.3     | Strong proof of identity for users and administrators                   | n
8.4     | Multi-factor authentication in place                                    | n
8.5     | Multi-factor systems configured against misuse                          | n
8.6     | System and application accounts and their secrets managed               | y
9.1     | Physical access processes defined and understood                        | y
9.1.1   | Physical security procedures documented, current, in use and known      | y
9.2     | Entry to facilities controlled                                          | n
9.3     | Physical access for staff and visitors authorised and managed           | y
9.4     | Media with card data stored, sent and destroyed securely                | y
9.5     | Point-of-interaction devices protected from tampering                   | y
10.1    | Logging and monitoring processes defined and understood                 | y
10.1.1  | Logging and monitoring procedures documented, current, in use and known | y
10.2    | Audit logs record user activity and events                              | n
10.3    | Audit logs protected from change and loss                               | n
10.4    | Audit logs reviewed for anomalies                                       | y
10.4.1  | Security logs reviewed at least once a day                              | y
10.5    | Audit log history kept                                                  | y
10.5.1  | Audit log history kept a year, the last three months at hand            | y
10.6    | Clocks synchronised for consistent log times                            | n
10.7    | Failures of critical security controls found and answered               | y
10.7.2  | Failures of critical security controls raise alerts and are dealt with  | y
10.7.3  | Responding quickly to failures of critical security controls            | y
11.1    | Security testing processes defined and understood                       | y
11.1.1  | Security testing procedures documented, current, in use and known       | y
11.2    | Wireless access points found and watched                                | y
11.3    | Vulnerabilities found by scans, ranked and fixed                        | y
11.3.1  | Internal vulnerability scans every three months                         | y
11.3.2  | External vulnerability scans every three months                         | y
11.4    | Penetration tests run and findings fixed                                | y
11.5    | Network intrusions and unexpected changes to files caught and acted on  | n
11.6    | Tampering with payment pages spotted and answered                       | n
12.1    | An information security policy in force and known                       | y
12.1.1  | Security policy published and known                                     | y
12.1.2  | Security policy reviewed at least every 12 months                       | y
12.1.3  | Security roles defined and acknowledged                                 | y
12.2    | Acceptable use of end-user technology defined                           | n
12.3    | Risks to the card data environment identified and managed               | y
12.4    | Responsibility for PCI DSS compliance assigned and overseen             | y
12.4.2  | Quarterly operational reviews (service providers)                       | y
12.5    | Scope of PCI DSS written down and confirmed                             | y
12.6    | Security awareness education                                            | y
12.6.3  | Security awareness training at hire and yearly                          | y
12.7    | Staff screened before they get access                                   | y
12.8    | Risk from the outside service providers relied on managed               | y
12.9    | Service providers support their customers' compliance                   | n
12.10   | Security incidents handled without delay                                | y
12.10.1 | Incident response plan in place                                         | y
12.10.2 | Incident response plan reviewed and tested yearly                       | y
12.10.3 | Incident responders available around the clock                          | y
12.10.4 | Incident responders trained                                             | y
12.10.5 | Monitoring alerts covered by the incident plan                          | y
12.10.6 | Incident plan improved from lessons learned                             | y
12.10.7 | Procedure for card data found where it should not be                    | y
""")
