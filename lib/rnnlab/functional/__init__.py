"""Pure forward/backward functions for the tanh RNN, the LSTM and the GRU.

Every cell comes as two pairs: one step (``*_step_forward`` / ``*_step_backward``, inputs
``(N, D)``) and a whole batch-first sequence (``*_forward`` / ``*_backward``, inputs
``(N, T, D)``). A forward function returns its outputs and a named cache; the matching backward
function takes the upstream gradient and that cache and returns the gradients in the order of
the forward function's inputs. Nothing modifies its inputs; the dtype given is the dtype returned.
"""
from .activations import sigmoid, sigmoid_grad, tanh, tanh_grad
from .gru import GRU_GATES, GRUCache, GRUStepCache, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .lstm import (
    LSTM_GATES,
    LSTMCache,
    LSTMStepCache,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)
from .rnn import RNNCache, RNNStepCache, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "sigmoid",
    "tanh",
    "sigmoid_grad",
    "tanh_grad",
    "RNNStepCache",
    "RNNCache",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "LSTM_GATES",
    "LSTMStepCache",
    "LSTMCache",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "GRU_GATES",
    "GRUStepCache",
    "GRUCache",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
]
