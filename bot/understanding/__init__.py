"""Understanding people: a sentence encoder shared by the crisis detector and the topic classifier.

The flow for one message: split it into segments (the whole message, its sentences, its end), encode
them once, score them for crisis risk, then score the whole message and its segments for topics. The
lexical engine (BM25) and the crisis patterns keep working without this layer when the encoder cannot
be loaded.
"""

from bot.understanding.encoder import Encoder
from bot.understanding.encoders import load_encoder
from bot.understanding.layer import CrisisLevel, Reading, Understanding, build_understanding

__all__ = ["CrisisLevel", "Encoder", "Reading", "Understanding", "build_understanding", "load_encoder"]
