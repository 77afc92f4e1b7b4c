"""What the tests share and are not tests themselves: real servers and demo stacks started for them,
fault and recording proxies, terminal and browser drivers, the soak's procedure."""
