learning_rate = 0.1
optimizer = dict(type='SGD',
                 lr=learning_rte)
