"""signature_reversal: does a treatment reverse a disease's transcriptomic signature?

The package holds the science; the Snakemake rules under ``workflow/rules`` call it through
the command line in :mod:`signature_reversal.cli`.
"""

__version__ = "0.1.0"
