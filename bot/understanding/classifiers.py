"""Classifiers over sentence vectors: fitted with scikit-learn, kept and applied as plain arrays.

A logistic regression ranks topics (many classes, calibrated probabilities). Crisis risk is scored by
two models whose scores are added: a support vector machine with a radial kernel over the sentence
vectors (a boundary that bends around idioms and near-miss phrasings), and a logistic regression over
the character n-grams of the folded text (it knows the slang and spellings the encoder blurs: "kms",
"unalive", "sh"). On the development sets the pair caught about one crisis in twenty more than the
vectors alone, at the same false-alarm rate.

Fitting happens only when the training data changed (the result is cached on disk), so a normal start
needs numpy alone and scikit-learn is imported only to fit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.core.folding import fold

Vectors = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A fitted logistic regression: one row of weights per class (one row in all for two classes)."""

    classes: tuple[str, ...]
    coef: NDArray[np.float32]
    intercept: NDArray[np.float32]

    def probabilities(self, vectors: Vectors) -> NDArray[np.float32]:
        """Class probabilities, one row per vector, columns in ``classes`` order."""
        logits = vectors @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1).astype(np.float32)
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The model as named arrays (for the on-disk cache)."""
        return {
            f"{prefix}.classes": np.array(self.classes),
            f"{prefix}.coef": self.coef,
            f"{prefix}.intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> LinearModel:
        return cls(
            tuple(str(c) for c in arrays[f"{prefix}.classes"]),
            np.asarray(arrays[f"{prefix}.coef"], dtype=np.float32),
            np.asarray(arrays[f"{prefix}.intercept"], dtype=np.float32),
        )


@dataclass(frozen=True)
class KernelModel:
    """A fitted two-class support vector machine with a radial (RBF) kernel; higher scores lean to
    the positive class."""

    support: NDArray[np.float32]
    weights: NDArray[np.float32]
    intercept: float
    gamma: float

    def __post_init__(self) -> None:
        # The support vectors as columns, contiguous: the product below is four times faster.
        object.__setattr__(self, "_columns", np.ascontiguousarray(self.support.T))

    def scores(self, vectors: Vectors) -> NDArray[np.float32]:
        """The decision value of each vector (0 is the boundary)."""
        # For unit vectors, |x - s|^2 = 2 - 2 x.s
        similarity = vectors @ self._columns  # type: ignore[attr-defined]
        kernel = np.exp(np.float32(-2.0 * self.gamma) * (1.0 - np.minimum(similarity, 1.0)))
        return (kernel @ self.weights + np.float32(self.intercept)).astype(np.float32)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.support": self.support,
            f"{prefix}.weights": self.weights,
            f"{prefix}.scalars": np.array([self.intercept, self.gamma], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> KernelModel:
        intercept, gamma = (float(x) for x in arrays[f"{prefix}.scalars"])
        return cls(
            np.asarray(arrays[f"{prefix}.support"], dtype=np.float32),
            np.asarray(arrays[f"{prefix}.weights"], dtype=np.float32),
            intercept,
            gamma,
        )


def fit_kernel(vectors: Vectors, positive: NDArray[np.bool_], *, strength: float) -> KernelModel:
    """A radial-kernel SVM separating ``positive`` examples from the rest (classes balanced)."""
    from sklearn.svm import SVC

    model = SVC(C=strength, kernel="rbf", gamma="scale", class_weight="balanced")
    model.fit(vectors, positive)
    sign = 1.0 if bool(model.classes_[1]) else -1.0
    return KernelModel(
        model.support_vectors_.astype(np.float32),
        (sign * model.dual_coef_[0]).astype(np.float32),
        float(sign * model.intercept_[0]),
        float(model._gamma),
    )


def folds(positive: NDArray[np.bool_], count: int = 5, seed: int = 7) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (train, test) index pairs, the same for every model fitted on these examples."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=count, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(positive)), positive))


_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str, sizes: tuple[int, int]) -> list[str]:
    """The character n-grams inside the words of a folded text, each word padded with a space: the
    same n-grams as scikit-learn's ``analyzer="char_wb"``."""
    low, high = sizes
    grams: list[str] = []
    for word in _SPACES.sub(" ", fold(text)).split():
        padded = f" {word} "
        for size in range(low, high + 1):
            if len(padded) <= size:  # the whole padded word, once
                grams.append(padded)
                break
            grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


class NgramFeatures:
    """Character 2- to 5-gram features of folded text, as scikit-learn's TfidfVectorizer makes them
    (``analyzer="char_wb"``, sublinear term frequency, IDF, unit length), computed here with a
    dictionary so the bot needs no scikit-learn to answer (only to fit)."""

    NGRAMS = (2, 5)

    def __init__(self, vocabulary: list[str], idf: NDArray[np.float64]) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self._index = {gram: i for i, gram in enumerate(vocabulary)}

    def of(self, text: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The columns present in ``text`` and their unit-length TF-IDF weights."""
        counts: dict[int, int] = {}
        for gram in char_ngrams(text, self.NGRAMS):
            column = self._index.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = (
            1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        ) * self.idf[columns]
        norm = float(np.sqrt(np.sum(weights**2)))
        return columns, weights / norm if norm else weights

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.vocabulary": np.array(self.vocabulary), f"{prefix}.idf": self.idf}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> NgramFeatures:
        return cls(
            arrays[f"{prefix}.vocabulary"].tolist(), np.asarray(arrays[f"{prefix}.idf"], dtype=np.float64)
        )

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[NgramFeatures, object]:
        """The features of a corpus, and its TF-IDF matrix (for fitting a model on it)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=cls.NGRAMS, preprocessor=fold, sublinear_tf=True, min_df=2
        )
        matrix = vectorizer.fit_transform(list(texts))
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(vocabulary, vectorizer.idf_), matrix


class NgramModel:
    """A two-class logistic regression over character n-gram features (higher leans to positive)."""

    def __init__(self, features: NgramFeatures, coef: NDArray[np.float64], intercept: float) -> None:
        self.features = features
        self.coef = coef
        self.intercept = intercept

    def score(self, text: str) -> float:
        """The decision value of one text (0 is the boundary)."""
        columns, weights = self.features.of(text)
        return float(weights @ self.coef[columns]) + self.intercept

    def scores(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """The decision value of each text."""
        return np.array([self.score(text) for text in texts], dtype=np.float32)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            **self.features.arrays(prefix),
            f"{prefix}.coef": self.coef,
            f"{prefix}.intercept": np.array([self.intercept]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> NgramModel:
        return cls(
            NgramFeatures.from_arrays(arrays, prefix),
            np.asarray(arrays[f"{prefix}.coef"], dtype=np.float64),
            float(arrays[f"{prefix}.intercept"][0]),
        )


class NgramClassifier:
    """A many-class logistic regression over character n-gram features (topics)."""

    def __init__(
        self,
        features: NgramFeatures,
        classes: tuple[str, ...],
        coef: NDArray[np.float32],
        intercept: NDArray[np.float32],
    ) -> None:
        self.features = features
        self.classes = classes
        self.coef = coef
        self.intercept = intercept

    def probabilities(self, text: str) -> NDArray[np.float64]:
        """Class probabilities for one text, in ``classes`` order."""
        columns, weights = self.features.of(text)
        logits = self.coef[:, columns].astype(np.float64) @ weights + self.intercept
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            **self.features.arrays(prefix),
            f"{prefix}.classes": np.array(self.classes),
            f"{prefix}.coef": self.coef,
            f"{prefix}.intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> NgramClassifier:
        return cls(
            NgramFeatures.from_arrays(arrays, prefix),
            tuple(str(c) for c in arrays[f"{prefix}.classes"]),
            np.asarray(arrays[f"{prefix}.coef"], dtype=np.float16),
            np.asarray(arrays[f"{prefix}.intercept"], dtype=np.float64),
        )


def fit_ngrams(texts: Sequence[str], positive: NDArray[np.bool_], *, strength: float) -> NgramModel:
    """An n-gram logistic regression separating ``positive`` texts from the rest (classes balanced)."""
    from sklearn.linear_model import LogisticRegression

    features, matrix = NgramFeatures.fit(texts)
    model = LogisticRegression(C=strength, max_iter=3000, class_weight="balanced")
    model.fit(matrix, positive)
    sign = 1.0 if bool(model.classes_[1]) else -1.0
    return NgramModel(features, sign * model.coef_[0], float(sign * model.intercept_[0]))


def fit_ngram_classifier(texts: Sequence[str], labels: list[str], *, strength: float) -> NgramClassifier:
    """An n-gram logistic regression over many classes (kept in half precision: it is wide)."""
    from sklearn.linear_model import LogisticRegression

    features, matrix = NgramFeatures.fit(texts)
    model = LogisticRegression(C=strength, max_iter=3000)
    model.fit(matrix, labels)
    classes = tuple(str(c) for c in model.classes_)
    return NgramClassifier(
        features, classes, model.coef_.astype(np.float16), model.intercept_.astype(np.float64)
    )


def fit_logistic(
    vectors: Vectors,
    labels: list[str],
    *,
    strength: float,
    weights: NDArray[np.float64] | None = None,
    balanced: bool = False,
) -> LinearModel:
    """A logistic regression fitted to labelled vectors.

    Args:
        vectors: one row per example.
        labels: each example's class.
        strength: scikit-learn's ``C`` (larger fits the examples more closely).
        weights: per-example weights (e.g. to give each language an equal say).
        balanced: weigh classes inversely to their size.
    """
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(
        C=strength, max_iter=2000, class_weight="balanced" if balanced else None, tol=1e-5
    )
    model.fit(vectors, labels, sample_weight=weights)
    return LinearModel(
        tuple(str(c) for c in model.classes_),
        model.coef_.astype(np.float32),
        model.intercept_.astype(np.float32),
    )
