# Copyright (c) OpenMMLab. All rights reserved.
b = 3
a = 1