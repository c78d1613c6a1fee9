"""The course's models, one module per family. Shared protocol:

- density models: ``log_prob(x) -> Tensor[B]`` in nats per example, ``sample(n)``;
- latent models: ``encode(x)``, ``decode(z)``, ``elbo(x) -> Tensor[B]``;
- every model is an ``nn.Module`` that runs on the device its parameters are on.
"""
