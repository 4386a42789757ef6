"""Answering safety questions: normalisation, retrieval with calibrated confidence, crisis detection."""

from bot.answers.crisis import CrisisDetector
from bot.answers.engine import Answer, AnswerEngine, AnswerKind

__all__ = ["Answer", "AnswerEngine", "AnswerKind", "CrisisDetector"]
