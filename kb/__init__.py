"""Knowledge base: multilingual articles, a FAISS retriever with a calibrated "no answer" threshold."""

from kb.articles import Article, load_articles, validate_articles
from kb.build import BuildResult, build_index
from kb.decide import Decision, DecisionKind
from kb.encoders import Encoder, available_encoders, load_encoder
from kb.errors import ArticleError, EncoderError, IndexError_, IndexNotBuiltError, KbError
from kb.languages import LANGUAGES, fallback_order, language_name
from kb.retriever import Hit, KbDecision, Retriever
from kb.settings import KbSettings

__all__ = [
    "LANGUAGES",
    "Article",
    "ArticleError",
    "BuildResult",
    "Decision",
    "DecisionKind",
    "Encoder",
    "EncoderError",
    "Hit",
    "IndexError_",
    "IndexNotBuiltError",
    "KbDecision",
    "KbError",
    "KbSettings",
    "Retriever",
    "available_encoders",
    "build_index",
    "fallback_order",
    "language_name",
    "load_articles",
    "load_encoder",
    "validate_articles",
]
