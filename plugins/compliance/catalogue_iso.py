"""ISO/IEC 27001:2022: clauses 4 to 10 and the 93 Annex A controls.

Titles are our own short paraphrases, never the standard's wording.  The
last column says whether a documented procedure run as jobs can evidence
the control (``y``), or whether it is met by design, technology or
management decisions that a procedure template cannot show (``n``).
"""

from __future__ import annotations

from sopframe_plugins.compliance.catalogue import Catalogue, parse_catalogue

CATALOGUE: Catalogue = parse_catalogue("""
4.1    | What inside and outside the organisation shapes its security             | n
4.2    | Who has a stake in the ISMS and what they expect of it                   | n
4.3    | Where the ISMS starts and ends                                           | n
4.4    | Running and improving the ISMS as a system                               | n
5.1    | Top management visibly backing the ISMS                                  | n
5.2    | The top-level security policy, set by management                         | y
5.3    | Security roles handed out and made known                                 | y
6.1.1  | Planning how to deal with risks and opportunities                        | n
6.1.2  | A repeatable way to assess security risk                                 | y
6.1.3  | Choosing and recording how each risk is treated                          | y
6.2    | Security objectives and how they will be reached                         | n
6.3    | Changes to the ISMS made in a planned way                                | y
7.1    | People, money and tools for the ISMS                                     | n
7.2    | Competence: people able to do their security work                        | y
7.3    | Awareness: staff know the policy and their part in it                    | y
7.4    | Deciding what is communicated, when and to whom                          | y
7.5.1  | Which documented information the ISMS keeps                              | n
7.5.2  | Documents identified, reviewed and approved when created or updated      | y
7.5.3  | Documents available, protected and version-controlled                    | y
8.1    | Operating the planned security processes                                 | y
8.2    | Carrying out risk assessments at set times                               | y
8.3    | Carrying out the risk treatment plan                                     | y
9.1    | Measuring and evaluating how security performs                           | y
9.2    | Internal audits at planned intervals                                     | y
9.3    | Management reviews of the ISMS                                           | y
10.1   | Improving the ISMS continually                                           | n
10.2   | Nonconformity: fixing causes and checking the fix worked                 | y
A.5.1  | Policies: security policy and topic policies approved and reviewed       | y
A.5.2  | Security roles and responsibilities defined and given out                | y
A.5.3  | Segregation of duties: conflicting tasks kept apart                      | y
A.5.4  | Managers require staff to follow security rules                          | y
A.5.5  | Keeping in touch with authorities                                        | y
A.5.6  | Keeping in touch with specialist security groups                         | n
A.5.7  | Gathering and analysing threat intelligence                              | y
A.5.8  | Security built into project management                                   | y
A.5.9  | Inventory of information and the assets that hold it                     | y
A.5.10 | Rules for acceptable use of information and assets                       | n
A.5.11 | Assets handed back when people leave                                     | y
A.5.12 | Classifying information by its needs                                     | n
A.5.13 | Labelling information by its class                                       | n
A.5.14 | Rules for transferring information                                       | n
A.5.15 | Access control rules                                                     | y
A.5.16 | Identity management: identities through their whole life                 | y
A.5.17 | Managing authentication information such as passwords                   | y
A.5.18 | Access rights granted, reviewed, changed and removed                     | y
A.5.19 | Security in relations with suppliers                                     | y
A.5.20 | Security written into supplier agreements                                | n
A.5.21 | Security across the ICT supply chain                                     | n
A.5.22 | Watching and reviewing suppliers' services and their changes             | y
A.5.23 | Security when buying and using cloud services                            | y
A.5.24 | Incident management planned and prepared: roles and processes            | y
A.5.25 | Security events assessed and classified as incidents or not              | y
A.5.26 | Response to security incidents by documented procedure                   | y
A.5.27 | Learning from incidents to strengthen controls                           | y
A.5.28 | Collecting and preserving evidence                                       | y
A.5.29 | Keeping security in place during a disruption                            | y
A.5.30 | ICT ready for business continuity, planned and tested                    | y
A.5.31 | Knowing the legal, regulatory and contractual requirements               | n
A.5.32 | Respecting intellectual property                                         | n
A.5.33 | Protecting records from loss and tampering                               | y
A.5.34 | Privacy and protection of personal data                                  | n
A.5.35 | Independent reviews of information security                              | y
A.5.36 | Checking compliance with security policies and rules                     | y
A.5.37 | Operating procedures documented and available to those who need them     | y
A.6.1  | Screening candidates before they join                                    | y
A.6.2  | Security duties in employment contracts                                  | n
A.6.3  | Security awareness, education and training                               | y
A.6.4  | A disciplinary process for security breaches                             | n
A.6.5  | Duties that continue after someone leaves or changes role                | y
A.6.6  | Confidentiality and non-disclosure agreements                            | n
A.6.7  | Security for remote working                                              | n
A.6.8  | Staff report security events through a known channel                     | y
A.7.1  | Physical perimeters around secure areas                                  | n
A.7.2  | Controlled physical entry                                                | y
A.7.3  | Securing offices, rooms and facilities                                   | n
A.7.4  | Monitoring premises for physical intrusion                               | n
A.7.5  | Protection from physical and environmental threats                       | n
A.7.6  | Rules for working in secure areas                                        | n
A.7.7  | Clear desks and locked screens                                           | n
A.7.8  | Placing and protecting equipment                                         | n
A.7.9  | Assets taken off the premises                                            | n
A.7.10 | Handling storage media through their life                                | y
A.7.11 | Power and other supporting utilities                                     | n
A.7.12 | Protecting power and network cabling                                     | n
A.7.13 | Maintaining equipment                                                    | y
A.7.14 | Wiping or destroying equipment before disposal or reuse                  | y
A.8.1  | Protecting user endpoint devices                                         | n
A.8.2  | Privileged access rights restricted and managed                          | y
A.8.3  | Restricting access to information                                        | n
A.8.4  | Access to source code                                                    | n
A.8.5  | Secure authentication technology                                         | n
A.8.6  | Capacity: monitoring and planning resources                              | n
A.8.7  | Protection against malware                                               | n
A.8.8  | Technical vulnerabilities found, ranked and fixed                        | y
A.8.9  | Configurations set, recorded and controlled                              | y
A.8.10 | Deleting information no longer needed                                    | y
A.8.11 | Masking data                                                             | n
A.8.12 | Preventing data leakage                                                  | n
A.8.13 | Backups kept and restoration tested                                      | y
A.8.14 | Redundant processing facilities                                          | n
A.8.15 | Logging: logs produced, kept, protected and analysed                     | y
A.8.16 | Monitoring systems for anomalous behaviour                               | y
A.8.17 | Synchronised clocks                                                      | n
A.8.18 | Privileged utility programs restricted                                   | n
A.8.19 | Controlled installation of software on live systems                      | y
A.8.20 | Securing networks                                                        | n
A.8.21 | Securing network services                                                | n
A.8.22 | Segregating networks                                                     | n
A.8.23 | Filtering web access                                                     | n
A.8.24 | Using cryptography and managing keys                                     | n
A.8.25 | A secure development life cycle                                          | y
A.8.26 | Security requirements for applications                                   | n
A.8.27 | Secure architecture and engineering principles                           | n
A.8.28 | Secure coding                                                            | n
A.8.29 | Security testing during development and acceptance                       | y
A.8.30 | Overseeing outsourced development                                        | y
A.8.31 | Development, test and production kept apart                              | n
A.8.32 | Change management: changes follow a controlled procedure                 | y
A.8.33 | Choosing and protecting test information                                 | y
A.8.34 | Protecting systems during audit testing                                  | y
""")
