//! The NVML calls: one pass over the GPUs and their MIG devices.

use crate::sample::{Host, RawGpu, RawMig};
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::{Device, Nvml};

/// NVML's `NVML_DEVICE_MIG_ENABLE`.
const MIG_ENABLED: u32 = 1;

/// Load `libnvidia-ml.so.1` and initialise NVML.
pub fn load() -> Result<Nvml, String> {
    Nvml::init()
        .map_err(|e| format!("cannot load NVML (libnvidia-ml.so.1, from the NVIDIA driver): {e}"))
}

/// Everything the snapshot needs, read now.  A GPU that does not answer
/// its index, name or UUID fails the whole pass (a partial inventory would
/// hide a device); a missing utilization or version only leaves it out.
pub fn read(nvml: &Nvml) -> Result<Host, String> {
    let count = nvml
        .device_count()
        .map_err(|e| format!("cannot count the GPUs: {e}"))?;
    let mut gpus = Vec::new();
    for index in 0..count {
        let device = nvml
            .device_by_index(index)
            .map_err(|e| format!("GPU {index}: {e}"))?;
        gpus.push(read_gpu(index, &device).map_err(|e| format!("GPU {index}: {e}"))?);
    }
    Ok(Host {
        gpus,
        driver_version: nvml.sys_driver_version().ok(),
        cuda_version: nvml.sys_cuda_driver_version().ok(),
    })
}

fn read_gpu(index: u32, device: &Device) -> Result<RawGpu, NvmlError> {
    let mig_enabled = match device.mig_mode() {
        Ok(mode) => mode.current == MIG_ENABLED,
        Err(NvmlError::NotSupported) => false,
        Err(e) => return Err(e),
    };
    let migs = if mig_enabled {
        read_migs(device)?
    } else {
        Vec::new()
    };
    Ok(RawGpu {
        index,
        name: device.name()?,
        uuid: device.uuid()?,
        mig_enabled,
        utilization: device.utilization_rates().ok().map(|u| u.gpu),
        migs,
    })
}

/// The MIG devices by index, as `nvidia-smi -L` walks them: every index
/// below the maximum, skipping those with no device.
fn read_migs(parent: &Device) -> Result<Vec<RawMig>, NvmlError> {
    let max = match parent.mig_device_count() {
        Ok(n) => n,
        Err(NvmlError::NotSupported) => 0,
        Err(e) => return Err(e),
    };
    let mut migs = Vec::new();
    for device in 0..max {
        let mig = match parent.mig_device_by_index(device) {
            Ok(mig) => mig,
            Err(NvmlError::NotFound) | Err(NvmlError::InvalidArg) => continue,
            Err(e) => return Err(e),
        };
        let attributes = mig.attributes().ok();
        migs.push(RawMig {
            device,
            name: mig.name().unwrap_or_default(),
            uuid: mig.uuid()?,
            utilization: mig.utilization_rates().ok().map(|u| u.gpu),
            slices: attributes.as_ref().map(|a| a.gpu_instance_slice_count),
            memory_mb: attributes.map(|a| a.memory_size_mb),
        });
    }
    Ok(migs)
}
