"""Curated content: YAML files per language, validated into models, with file:line problem reports."""

from bot.content.library import ContentLibrary, LanguageContent
from bot.content.loader import load_content
from bot.content.problems import ContentError, Problem

__all__ = ["ContentError", "ContentLibrary", "LanguageContent", "Problem", "load_content"]
