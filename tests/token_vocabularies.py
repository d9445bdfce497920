"""A model's token vocabulary built by the tests from real words, laid out as BERT's vocab.txt."""
from __future__ import annotations


def bert_like_words(words):
    """A model's token vocabulary: [PAD], [unused0..98], [UNK] [CLS] [SEP] [MASK], more
    [unused*], then whole words mixed with ##pieces, as in BERT's vocab.txt."""
    head = (["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]",
            "[MASK]"] + [f"[unused{i}]" for i in range(99, 994)])
    body = []
    for i, w in enumerate(words):
        body.append(w)
        if i % 10 == 0:
            body.append(f"##{w[-3:]}{i}")
    return head + body
