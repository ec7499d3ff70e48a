def heat_step(u, alpha):
    out = u.copy()
    near = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
    out[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * (near - 4 * u[1:-1, 1:-1])
    return out
