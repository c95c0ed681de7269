def gru_backward_mix(dh_next, z, n, h_prev):
    """dh_next, z, n, h_prev (N, H) -> dn, dz, dh_prev (N, H)."""
    dn = dh_next * (1 - z)
    dz = dh_next * (h_prev - n)
    dh_prev = dh_next * z
    return dn, dz, dh_prev
