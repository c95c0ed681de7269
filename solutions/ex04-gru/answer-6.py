def gru_backward_gates(dz, dr, z, r):
    """dz, dr, z, r (N, H) -> da_z, da_r (N, H)."""
    da_z = dz * z * (1 - z)
    da_r = dr * r * (1 - r)
    return da_z, da_r
