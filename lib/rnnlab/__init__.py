"""rnnlab: recurrent networks from scratch, in numpy.

The conventions (stated here once; the book's notation page explains them in words)
==================================================================================

Dimension letters
    N batch, T time steps, D input features, E embedding size, H hidden size,
    V vocabulary size, L number of stacked layers.

Shapes: batch first, row vectors
    A sequence batch is ``xs`` of shape ``(N, T, D)``; one time step is ``x`` of shape ``(N, D)``.
    A hidden state is ``h`` of shape ``(N, H)``; all hidden states are ``hs (N, T, H)``.
    Weights multiply from the right: ``x @ W_x`` with ``W_x (D, H)``, ``h @ W_h`` with ``W_h (H, H)``.

Vanilla (tanh) RNN
    h_next = tanh(x W_x + h_prev W_h + b),          W_x (D, H), W_h (H, H), b (H,)

LSTM, gate order i, f, g, o (as PyTorch)
    a = x W_x + h_prev W_h + b,                      W_x (D, 4H), W_h (H, 4H), b (4H,)
    i = sigmoid(a[:, 0H:1H])   input gate
    f = sigmoid(a[:, 1H:2H])   forget gate
    g = tanh   (a[:, 2H:3H])   candidate
    o = sigmoid(a[:, 3H:4H])   output gate
    c_next = f * c_prev + i * g
    h_next = o * tanh(c_next)

GRU, gate order r, z, n (as PyTorch), two biases
    W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,)
    r = sigmoid(x W_xr + b_xr + h_prev W_hr + b_hr)   reset gate
    z = sigmoid(x W_xz + b_xz + h_prev W_hz + b_hz)   update gate
    reset_after=True  (PyTorch; Keras default):  n = tanh(x W_xn + b_xn + r * (h_prev W_hn + b_hn))
    reset_after=False (Cho et al. 2014; d2l):    n = tanh(x W_xn + b_xn + (r * h_prev) W_hn + b_hn)
    h_next = (1 - z) * n + z * h_prev

Names
    ``h_prev``, ``h_next``, ``c_prev``, ``c_next``; ``dX`` is dLoss/dX (``dh_next``, ``dW_x``);
    plurals for whole sequences (``xs``, ``hs``). Backward functions return gradients in the
    order of the forward function's inputs. Intermediate quantities have one name each, the
    same in the library, the book and the exercises (GRU: ``ax``, ``ah``, ``ah_n``, ``a_n``,
    ``rh``; their gradients ``da_n``, ``dah_n``, ...): the table is on the book's notation page.
    Gradients are rows, like the arrays they differentiate (``dh_next (N, H)``). A step's
    Jacobian ``J_t = dh_t / dh_{t-1}`` is ``(H, H)`` with row j a unit of ``h_t``; a gradient goes
    back a step as ``dh_prev = dh_next J_t`` (tanh RNN: ``J_t = diag(1 - h_t**2) W_h.T``).

Rules every function follows
    * Caches are named tuples, never anonymous tuples; backward functions read them by field
      and refuse anything but the cache their forward function returned.
    * The step functions are the reference (written as the book derives them); each sequence
      function equals a loop of its step function (tests prove it) and is the fast path.
    * What a forward function returns cannot change its cache: returned states are read-only
      views, and arrays the caller passed in are copied when the cache would keep them.
    * No function modifies its inputs or the upstream gradient.
    * Functions preserve the float dtype they are given (float64 for gradient checks,
      float32 for speed); mixing dtypes is an error.
    * Randomness comes only from an explicit ``np.random.Generator`` (``np.random.default_rng(seed)``):
      the same seed gives the same run, bit for bit.
    * Bad input raises an error naming the argument, the expected shape in dimension letters
      and the shape received (see ``rnnlab._validate``).

Module map (who imports whom: lower rows import only from higher rows)
    _validate          input checks with clear messages
    functional         pure forward/backward pairs: rnn, lstm, gru (step and sequence)
    gradcheck          numerical gradients and relative errors
    layers             layer objects (params, grads, forward, backward), stacked, bidirectional
    sampling           greedy / temperature / top-k sampling
    model              the language model (embedding -> recurrent layers -> linear)
    optim              SGD (momentum), Adagrad, RMSProp, Adam; clipping
    data               tokenizers, vocabulary, batching, long-lag tasks, corpora
    train              the training loop, history, checkpoints, evaluation
    keras              a Keras-compatible surface (SimpleRNN, LSTM, GRU, Bidirectional...)
    torch_interop      load torch.nn modules into rnnlab layers and back (needs PyTorch)
    plots              matplotlib figures: curves, gate activations, gradient norms
"""

__version__ = "0.1.0"
