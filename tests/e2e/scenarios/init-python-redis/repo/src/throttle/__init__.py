"""A token-bucket rate limiter shared between processes through redis."""

from .bucket import Bucket

__all__ = ["Bucket"]
__version__ = "0.3.1"
