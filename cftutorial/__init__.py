"""cftutorial: serve private files through Amazon CloudFront with signed URLs and cookies.

The helper package behind the tutorial notebooks (eight that mirror the 2011 guide, four beyond it).
Each notebook step calls one module: see the README's "Layout" section for the map.
"""

from .errors import CftutorialError

__version__ = "0.1.0"
__all__ = ["CftutorialError", "__version__"]
