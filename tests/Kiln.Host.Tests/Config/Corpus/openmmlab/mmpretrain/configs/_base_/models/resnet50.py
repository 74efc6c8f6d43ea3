# model settings
model = dict(type='ImageClassifier', arch='r50', head=dict(num_classes=1000))
