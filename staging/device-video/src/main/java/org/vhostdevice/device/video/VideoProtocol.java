// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

/**
 * Wire constants of the virtio-video v3 proposal as the Rust daemon speaks it: command and
 * response types, request sizes and the offsets of every field this device reads or writes. All
 * fields are little-endian.
 */
public final class VideoProtocol {
  private VideoProtocol() {}

  /** Device ID of the decoder in the (unratified) proposal numbering. */
  public static final int DEVICE_ID_DECODER = 31;
  /** VIRTIO_VIDEO_F_RESOURCE_GUEST_PAGES: resources may be backed by guest pages. */
  public static final int F_RESOURCE_GUEST_PAGES = 0;

  // Command header: type u32, stream_id u32.
  public static final int HDR_SIZE = 8;
  public static final int HDR_TYPE = 0;
  public static final int HDR_STREAM_ID = 4;

  // Commands.
  public static final int CMD_QUERY_CAPABILITY = 0x100;
  public static final int CMD_STREAM_CREATE = 0x101;
  public static final int CMD_STREAM_DESTROY = 0x102;
  public static final int CMD_STREAM_DRAIN = 0x103;
  public static final int CMD_RESOURCE_CREATE = 0x104;
  public static final int CMD_RESOURCE_QUEUE = 0x105;
  public static final int CMD_RESOURCE_DESTROY_ALL = 0x106;
  public static final int CMD_QUEUE_CLEAR = 0x107;
  public static final int CMD_QUERY_CONTROL = 0x10A;
  public static final int CMD_GET_CONTROL = 0x10B;
  public static final int CMD_GET_PARAMS_EXT = 0x10D;
  public static final int CMD_SET_PARAMS_EXT = 0x10E;

  // Request sizes (the readable part of a chain must have exactly this length).
  public static final int QUERY_CAPABILITY_SIZE = 16;
  public static final int STREAM_CREATE_SIZE = 88;
  public static final int STREAM_SIZE = 8;
  public static final int RESOURCE_CREATE_SIZE = 88;
  public static final int RESOURCE_QUEUE_SIZE = 64;
  public static final int QUEUE_TYPE_CMD_SIZE = 16;
  public static final int QUERY_CONTROL_SIZE = 24;
  public static final int GET_CONTROL_SIZE = 16;
  public static final int GET_PARAMS_SIZE = 16;
  public static final int SET_PARAMS_SIZE = HDR_SIZE + Params.SIZE;

  /** Offset of queue_type in every request that has one. */
  public static final int REQ_QUEUE_TYPE = 8;

  // STREAM_CREATE: in_mem_type, out_mem_type, coded_format, pad, tag[64].
  public static final int SC_IN_MEM_TYPE = 8;
  public static final int SC_OUT_MEM_TYPE = 12;
  public static final int SC_CODED_FORMAT = 16;

  // RESOURCE_CREATE: queue_type, resource_id, planes_layout, num_planes, plane_offsets[8],
  // num_entries[8]; followed by the mem entries {addr u64, length u32, pad u32}.
  public static final int RC_RESOURCE_ID = 12;
  public static final int RC_PLANES_LAYOUT = 16;
  public static final int RC_NUM_PLANES = 20;
  public static final int RC_PLANE_OFFSETS = 24;
  public static final int RC_NUM_ENTRIES = 56;
  public static final int MEM_ENTRY_SIZE = 16;
  public static final int MAX_PLANES = 8;

  // RESOURCE_QUEUE: queue_type, resource_id, timestamp u64, num_data_sizes, data_sizes[8], pad.
  public static final int RQ_RESOURCE_ID = 12;
  public static final int RQ_TIMESTAMP = 16;
  public static final int RQ_NUM_DATA_SIZES = 24;
  public static final int RQ_DATA_SIZES = 28;

  // QUERY_CONTROL: control, pad, format, pad.
  public static final int QC_CONTROL = 8;
  public static final int QC_FORMAT = 16;

  // Responses.
  public static final int RESP_OK_NODATA = 0x200;
  public static final int RESP_OK_QUERY_CAPABILITY = 0x201;
  public static final int RESP_OK_RESOURCE_QUEUE = 0x202;
  public static final int RESP_OK_GET_PARAMS = 0x203;
  public static final int RESP_OK_QUERY_CONTROL = 0x204;
  public static final int RESP_OK_GET_CONTROL = 0x205;
  public static final int RESP_ERR_INVALID_OPERATION = 0x206;
  public static final int RESP_ERR_OUT_OF_MEMORY = 0x207;
  public static final int RESP_ERR_INVALID_STREAM_ID = 0x208;
  public static final int RESP_ERR_INVALID_RESOURCE_ID = 0x209;
  public static final int RESP_ERR_INVALID_PARAMETER = 0x20A;
  public static final int RESP_ERR_UNSUPPORTED_CONTROL = 0x20B;

  // OK_RESOURCE_QUEUE: hdr, timestamp u64, flags u32, size u32.
  public static final int RQ_RESP_TIMESTAMP = 8;
  public static final int RQ_RESP_FLAGS = 16;
  public static final int RQ_RESP_SIZE = 20;
  public static final int RESOURCE_QUEUE_RESP_SIZE = 24;
  public static final int BUFFER_FLAG_ERR = 1;
  public static final int BUFFER_FLAG_EOS = 2;

  // OK_QUERY_CONTROL: hdr, num u32, pad u32, value u32. Like the Rust daemon, the control's
  // (default) value goes in "num"; "value" stays 0.
  public static final int QUERY_CONTROL_RESP_SIZE = 20;
  public static final int QCR_VALUE = 8;

  // OK_QUERY_CAPABILITY: hdr, num_descs, pad, format descriptors.
  public static final int CAPS_NUM_DESCS = 8;
  public static final int CAPS_HEADER_SIZE = 16;
  public static final int FORMAT_DESC_SIZE = 24;
  public static final int FORMAT_FRAME_SIZE = 40;
  public static final int FORMAT_RANGE_SIZE = 16;

  // Queue types.
  public static final int QUEUE_TYPE_INPUT = 0x100;
  public static final int QUEUE_TYPE_OUTPUT = 0x101;

  // Memory types.
  public static final int MEM_TYPE_GUEST_PAGES = 0;
  public static final int MEM_TYPE_VIRTIO_OBJECT = 1;

  // Formats.
  public static final int FORMAT_ARGB8888 = 1;
  public static final int FORMAT_BGRA8888 = 2;
  public static final int FORMAT_NV12 = 3;
  public static final int FORMAT_YUV420 = 4;
  public static final int FORMAT_YVU420 = 5;
  public static final int FORMAT_MPEG2 = 0x1000;
  public static final int FORMAT_MPEG4 = 0x1001;
  public static final int FORMAT_H264 = 0x1002;
  public static final int FORMAT_HEVC = 0x1003;
  public static final int FORMAT_VP8 = 0x1004;
  public static final int FORMAT_VP9 = 0x1005;
  public static final int FORMAT_FWHT = 0x1006;

  // Controls.
  public static final int CONTROL_MIN = 1;
  public static final int CONTROL_MAX = 7;

  // Events: {event_type u32, stream_id u32}.
  public static final int EVENT_SIZE = 8;
  public static final int EVENT_ERROR = 0x100;
  public static final int EVENT_DECODER_RESOLUTION_CHANGED = 0x200;

  // Device configuration (44 bytes).
  public static final int CONFIG_SIZE = 44;
  public static final int CONFIG_VERSION = 0;
  public static final int CONFIG_MAX_CAPS_LENGTH = 4;
  public static final int CONFIG_MAX_RESP_LENGTH = 8;
  public static final int CONFIG_DEVICE_NAME = 12;
  public static final int MAX_CAPS_LENGTH = 4096;
  public static final int MAX_RESP_LENGTH = 4096;

  static boolean validQueueType(int t) {
    return t == QUEUE_TYPE_INPUT || t == QUEUE_TYPE_OUTPUT;
  }

  static boolean validMemType(int t) {
    return t == MEM_TYPE_GUEST_PAGES || t == MEM_TYPE_VIRTIO_OBJECT;
  }

  static boolean validFormat(int f) {
    return (f >= FORMAT_ARGB8888 && f <= FORMAT_YVU420) || (f >= FORMAT_MPEG2 && f <= FORMAT_FWHT);
  }
}
