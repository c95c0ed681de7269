def gru_backward_reset(da_n, r, ah_n):
    """da_n, r, ah_n (N, H) -> dr, dah_n (N, H)."""
    dr = da_n * ah_n
    dah_n = da_n * r
    return dr, dah_n
