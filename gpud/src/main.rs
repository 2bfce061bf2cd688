//! ds01-gpud: samples NVML and publishes the GPU snapshot (stub).

fn main() {}
