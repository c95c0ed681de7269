def gru_step_backward(dh_next, x, h_prev, W_x, W_h, b_x, b_h):
    """dh_next (N, H) and the step's inputs -> dx, dh_prev, dW_x, dW_h, db_x, db_h."""
    W_y, b_y = np.zeros((h_prev.shape[1], 1)), np.zeros(1)
    a_r, a_z, ah_n, a_n, r, z, one_minus_z, n, h_next, logits, p = gru_step_forward(
        x, h_prev, W_x, W_h, b_x, b_h, W_y, b_y)
    dn, dz, dh_prev_mix = gru_backward_mix(dh_next, z, n, h_prev)
    da_n = gru_backward_candidate(dn, n)
    dr, dah_n = gru_backward_reset(da_n, r, ah_n)
    da_z, da_r = gru_backward_gates(dz, dr, z, r)
    return gru_backward_matmul(da_r, da_z, da_n, dah_n, dh_prev_mix, x, h_prev, W_x, W_h)
