"""The glossary translators and tests share (issue 12's groundwork): one row per English
term, a Chinese term for each, and the terms the article uses."""

import csv

from tests.conftest import ROOT

REQUIRED = {  # the list, as the article writes them
    "neural network": "神经网络", "neuron": "神经元", "activation function": "激活函数",
    "forward propagation": "前向传播", "backpropagation": "反向传播", "convolution": "卷积",
    "feature map": "特征图", "pooling": "池化", "loss": "损失", "accuracy": "准确率",
    "optimizer": "优化器", "learning rate": "学习率", "overfitting": "过拟合",
}


def _rows() -> list[dict]:
    with open(ROOT / "locale" / "glossary.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_term_has_one_row_and_a_chinese_term():
    rows = _rows()
    english = [r["english"] for r in rows]
    assert len(english) == len(set(english)), "an English term is listed twice"
    assert all(r["english"].strip() and r["chinese"].strip() for r in rows)


def test_the_articles_terms_are_there_as_it_writes_them():
    terms = {r["english"]: r["chinese"] for r in _rows()}
    assert {k: terms.get(k) for k in REQUIRED} == REQUIRED
