//! Label keys the tools read and write.  AIME's `aime.mlc.*` set marks an
//! mlc container; DS01 mirrors it under `ds01.*` and adds its own.

/// `aime.mlc=<login>`: made by mlc, for that user.
pub const AIME: &str = "aime.mlc";
/// The `aime.mlc.<KEY>` keys, in the order AIME writes them.
pub const AIME_KEYS: [&str; 9] = [
    "NAME",
    "USER",
    "ARCH",
    "MLC_VERSION",
    "WORK_MOUNT",
    "DATA_MOUNT",
    "MODELS_MOUNT",
    "FRAMEWORK",
    "GPUS",
];
pub const AIME_NAME: &str = "aime.mlc.NAME";
pub const AIME_USER: &str = "aime.mlc.USER";
pub const AIME_ARCH: &str = "aime.mlc.ARCH";
pub const AIME_FRAMEWORK: &str = "aime.mlc.FRAMEWORK";
pub const AIME_WORK_MOUNT: &str = "aime.mlc.WORK_MOUNT";
pub const AIME_DATA_MOUNT: &str = "aime.mlc.DATA_MOUNT";
pub const AIME_MODELS_MOUNT: &str = "aime.mlc.MODELS_MOUNT";

/// `aime.mlc.<KEY>`.
pub fn aime(key: &str) -> String {
    format!("{AIME}.{key}")
}

/// DS01's mirror of an AIME key: `ds01.<key in lower case>`.
pub fn ds01_mirror(key: &str) -> String {
    format!("ds01.{}", key.to_lowercase())
}

pub const MANAGED: &str = "ds01.managed";
pub const INTERFACE: &str = "ds01.interface";
pub const USER: &str = "ds01.user";
pub const USER_SANITIZED: &str = "ds01.user.sanitized";
pub const CREATED_AT: &str = "ds01.created_at";
pub const CUSTOM_IMAGE: &str = "ds01.custom_image";
pub const PROTECTED: &str = "ds01.protected";
pub const SLICE: &str = "ds01.slice";
pub const RESERVED: &str = "ds01.reserved";
pub const GPU_ALLOCATED: &str = "ds01.gpu.allocated";
pub const GPU_ALLOCATED_AT: &str = "ds01.gpu.allocated_at";
pub const GPU_SLOTS: &str = "ds01.gpu.slots";
pub const GPU_SLOT_COUNT: &str = "ds01.gpu.slot_count";
pub const GPU_UUID: &str = "ds01.gpu.uuid";
pub const GPU_UUIDS: &str = "ds01.gpu.uuids";
pub const GPU_PRIORITY: &str = "ds01.gpu.priority";
/// Image labels of a DS01 image that already has the user baked in, so
/// that Tier 1 can skip its setup container.
pub const IMAGE_HAS_USER: &str = "ds01.has_user_setup";
pub const IMAGE_USER_ID: &str = "ds01.user_id";
pub const IMAGE_GROUP_ID: &str = "ds01.group_id";
/// Dev containers find the workspace through this.
pub const DEVCONTAINER_WORKSPACE: &str = "devcontainer.workspaceFolder";
