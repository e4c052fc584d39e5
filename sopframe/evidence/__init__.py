"""Evidence for auditors: packs that hold a procedure, the jobs run with it, and the proof they are unchanged."""
