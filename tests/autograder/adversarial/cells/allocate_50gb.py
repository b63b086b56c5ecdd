import torch

big = bytearray(50 * 10**9)
big_tensor = torch.empty(50 * 10**9 // 4)
