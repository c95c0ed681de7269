"""Code track: your own GRU from exercise 4, trained by the hackathon and submitted as a model.

Replace the two functions below with yours from exercise 4 (same signatures; paste
``sigmoid``, ``softmax`` and the five backward phases with them). As shipped they call the
library, so the template runs. ``train`` checks them against the library first
(``own_gru.check_step_functions``: a wrong output or gradient is named and the row says
``crashed`` with that message), trains them with Adagrad as the source notebook did, and returns
the equivalent ``rnnlab`` model. The iterations are self-declared (code track).
"""
import numpy as np

from own_gru import to_language_model, train_own_gru
from rnnlab.functional import gru_step_backward as _library_backward
from rnnlab.functional import gru_step_forward as _library_forward
from rnnlab.sampling import softmax

ITERATIONS = {"full": 1000, "quick": 30}


def gru_step_forward(x, h_prev, W_x, W_h, b_x, b_h, W_y, b_y):
    """x (N, D), h_prev (N, H) -> a_r, a_z, ah_n, a_n, r, z, one_minus_z, n, h_next (N, H),
    logits, p (N, V). Replace with yours."""
    h_next, c = _library_forward(x, h_prev, W_x, W_h, b_x, b_h)
    logits = h_next @ W_y + b_y
    a_r, a_z = np.log(c.r) - np.log1p(-c.r), np.log(c.z) - np.log1p(-c.z)
    return a_r, a_z, c.ah_n, np.arctanh(c.n), c.r, c.z, 1 - c.z, c.n, h_next, logits, softmax(logits)


def gru_step_backward(dh_next, x, h_prev, W_x, W_h, b_x, b_h):
    """dh_next (N, H) and the step's inputs -> dx, dh_prev, dW_x, dW_h, db_x, db_h. Replace with yours."""
    return _library_backward(dh_next, _library_forward(x, h_prev, W_x, W_h, b_x, b_h)[1])


def train(train_sentences, val_sentences, vocab, rng, budget):
    params, _ = train_own_gru(gru_step_forward, gru_step_backward, train_sentences, vocab, rng,
                              hidden_size=100, iterations=ITERATIONS[budget])
    return to_language_model(params, vocab)
