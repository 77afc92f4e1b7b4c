"""kubeconfig, service discovery and the API-server proxy transport (kubectl plugin)."""
