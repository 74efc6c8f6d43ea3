gpu_ids = [0, 1]
