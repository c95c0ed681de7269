def count_classifier(vocab_size, embed_dim, units):
    """-> number of parameters of Embedding -> SimpleRNN -> Dense(1)."""
    return vocab_size * embed_dim + count_simple_rnn(embed_dim, units) + units + 1
