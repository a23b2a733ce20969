"""Static files: WhiteNoise's compressed, content-hashed storage that never turns a missed collectstatic into a 500."""

import logging

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class CompressedManifestStorage(CompressedManifestStaticFilesStorage):
    """Hashed, gzip-compressed names after collectstatic; the plain name (and one warning) before it.

    A server started with DEBUG off but without `collectstatic` would otherwise
    answer every page with a 500 ("Missing staticfiles manifest entry"); a page
    without its styles still lets a patient send a check-in.
    """

    _warned = False

    def url(self, name, force=False):
        try:
            return super().url(name, force)
        except ValueError:
            if not CompressedManifestStorage._warned:
                CompressedManifestStorage._warned = True
                logger.warning("Static file %s has no collected copy: run `manage.py collectstatic`.", name)
            return FileSystemStorage.url(self, name)  # the plain /static/<name>, past the hashing mixins
