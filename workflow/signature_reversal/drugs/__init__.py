"""Known drugs: which library compounds reverse the disease signature, which the treatment acts
like, and where the treatment stands among them (the Connectivity Map's questions; Lamb et al.,
Science 2006; Subramanian et al., Cell 2017)."""
