"""Translated model texts, through django-modeltranslation.

A model declares a text once (``name = models.CharField(...)``) and its app's
``translation.py`` registers it with ``Texts``. modeltranslation then adds the columns
``name_nl`` and ``name_en``, and ``obj.name`` reads the active language's text, or the Dutch
one when the English is still empty (``MODELTRANSLATION_FALLBACK_LANGUAGES`` in the settings).
Forms, the admin, data files and the frozen questionnaire content name the columns themselves.
The plain ``name`` column that modeltranslation keeps beside them is read by nothing.
"""

from __future__ import annotations

from typing import Any

from modeltranslation.translator import TranslationOptions


class Texts(TranslationOptions):
    """Options for a model's translated texts (``fields``). Dutch is required where the text
    is; English may be empty. Both columns are NOT NULL like any text column: an empty text is
    ``""``, never ``None``, as in every other text field of the project."""

    required_languages = ("nl",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # modeltranslation makes every translation column nullable unless told otherwise.
        cls.field_options = {name: {"default": {"null": False}} for name in cls.fields}
