def count_lstm(input_dim, units):
    """-> number of parameters of LSTM(units) on input_dim features."""
    return 4 * units * (input_dim + units + 1)
