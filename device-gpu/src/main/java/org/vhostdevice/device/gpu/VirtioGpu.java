// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.gpu;

/**
 * Numbers of the virtio-gpu device (virtio spec 1.2, section 5.7): feature bits, command and
 * response types, header flags and the sizes of the structures on the control and cursor queues.
 * All fields are little-endian.
 */
final class VirtioGpu {
  private VirtioGpu() {}

  static final int DEVICE_ID = 16;
  static final int CONTROL_QUEUE = 0;
  static final int CURSOR_QUEUE = 1;
  static final int QUEUE_SIZE = 1024;
  static final int MAX_SCANOUTS = 16;

  // Feature bits.
  static final long F_VIRGL = 1L << 0;
  static final long F_EDID = 1L << 1;
  static final long F_RESOURCE_UUID = 1L << 2;
  static final long F_RESOURCE_BLOB = 1L << 3;
  static final long F_CONTEXT_INIT = 1L << 4;
  static final long F_RING_RESET = 1L << 40;

  // Configuration space (struct virtio_gpu_config).
  static final int CONFIG_SIZE = 16;
  static final int CONFIG_EVENTS_READ = 0;
  static final int CONFIG_EVENTS_CLEAR = 4;
  static final int CONFIG_NUM_SCANOUTS = 8;
  static final int CONFIG_NUM_CAPSETS = 12;

  // 2D commands.
  static final int CMD_GET_DISPLAY_INFO = 0x0100;
  static final int CMD_RESOURCE_CREATE_2D = 0x0101;
  static final int CMD_RESOURCE_UNREF = 0x0102;
  static final int CMD_SET_SCANOUT = 0x0103;
  static final int CMD_RESOURCE_FLUSH = 0x0104;
  static final int CMD_TRANSFER_TO_HOST_2D = 0x0105;
  static final int CMD_RESOURCE_ATTACH_BACKING = 0x0106;
  static final int CMD_RESOURCE_DETACH_BACKING = 0x0107;
  static final int CMD_GET_CAPSET_INFO = 0x0108;
  static final int CMD_GET_CAPSET = 0x0109;
  static final int CMD_GET_EDID = 0x010A;
  static final int CMD_RESOURCE_ASSIGN_UUID = 0x010B;
  static final int CMD_RESOURCE_CREATE_BLOB = 0x010C;
  static final int CMD_SET_SCANOUT_BLOB = 0x010D;
  // 3D commands.
  static final int CMD_CTX_CREATE = 0x0200;
  static final int CMD_CTX_DESTROY = 0x0201;
  static final int CMD_CTX_ATTACH_RESOURCE = 0x0202;
  static final int CMD_CTX_DETACH_RESOURCE = 0x0203;
  static final int CMD_RESOURCE_CREATE_3D = 0x0204;
  static final int CMD_TRANSFER_TO_HOST_3D = 0x0205;
  static final int CMD_TRANSFER_FROM_HOST_3D = 0x0206;
  static final int CMD_SUBMIT_3D = 0x0207;
  static final int CMD_RESOURCE_MAP_BLOB = 0x0208;
  static final int CMD_RESOURCE_UNMAP_BLOB = 0x0209;
  // Cursor commands.
  static final int CMD_UPDATE_CURSOR = 0x0300;
  static final int CMD_MOVE_CURSOR = 0x0301;

  // Responses.
  static final int RESP_OK_NODATA = 0x1100;
  static final int RESP_OK_DISPLAY_INFO = 0x1101;
  static final int RESP_OK_CAPSET_INFO = 0x1102;
  static final int RESP_OK_CAPSET = 0x1103;
  static final int RESP_OK_EDID = 0x1104;
  static final int RESP_ERR_UNSPEC = 0x1200;
  static final int RESP_ERR_OUT_OF_MEMORY = 0x1201;
  static final int RESP_ERR_INVALID_SCANOUT_ID = 0x1202;
  static final int RESP_ERR_INVALID_RESOURCE_ID = 0x1203;
  static final int RESP_ERR_INVALID_CONTEXT_ID = 0x1204;
  static final int RESP_ERR_INVALID_PARAMETER = 0x1205;

  // struct virtio_gpu_ctrl_hdr.
  static final int HDR_SIZE = 24;
  static final int HDR_TYPE = 0;
  static final int HDR_FLAGS = 4;
  static final int HDR_FENCE_ID = 8;
  static final int HDR_CTX_ID = 16;
  static final int HDR_RING_IDX = 20;
  static final int FLAG_FENCE = 1;
  static final int FLAG_INFO_RING_IDX = 2;

  /** struct virtio_gpu_resp_display_info: header + 16 x {rect, enabled, flags}. */
  static final int DISPLAY_INFO_SIZE = HDR_SIZE + MAX_SCANOUTS * 24;
  /** struct virtio_gpu_resp_edid: header + size + padding + edid[1024]. */
  static final int EDID_RESPONSE_SIZE = HDR_SIZE + 8 + 1024;
  static final int EDID_MAX = 1024;
  /** struct virtio_gpu_resp_capset_info: header + capset_id, max_version, max_size, padding. */
  static final int CAPSET_INFO_SIZE = HDR_SIZE + 16;
  /** struct virtio_gpu_resource_attach_backing's entries: addr u64, length u32, padding. */
  static final int MEM_ENTRY_SIZE = 16;
  /** QEMU's limit on backing entries per resource; a bigger count is a hostile guest. */
  static final int MAX_BACKING_ENTRIES = 16 * 1024;

  static final int CURSOR_SIZE = 64;
  static final int BYTES_PER_PIXEL = 4;
}
