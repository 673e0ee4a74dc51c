"""Model definitions that torchvision does not ship."""
