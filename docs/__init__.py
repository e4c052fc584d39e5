"""The rule explanations, installed as ``sopframe_docs`` so `sopframe explain` works after `pip install`."""
