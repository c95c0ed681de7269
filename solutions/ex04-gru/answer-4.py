def gru_backward_candidate(dn, n):
    """dn, n (N, H) -> da_n (N, H)."""
    da_n = dn * (1 - n**2)
    return da_n
