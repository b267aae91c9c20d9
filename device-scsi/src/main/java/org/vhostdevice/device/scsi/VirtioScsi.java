// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.scsi;

/** Wire constants of virtio-scsi (virtio spec 5.6): feature bits, queue roles, layouts, codes. */
final class VirtioScsi {
  static final int DEVICE_ID = 8;
  /** VIRTIO_SCSI_F_HOTPLUG: the Rust daemon offers it (it never sends hotplug events). */
  static final long F_HOTPLUG = 1L << 1;
  /**
   * VIRTIO_SCSI_F_CHANGE: parameter-change events. We never send one either, but QEMU's
   * vhost-user-scsi-pci acks it by default (param_change=on) whether offered or not, and the
   * Rust daemon then refuses SET_FEATURES unless QEMU runs with param_change=off.
   */
  static final long F_CHANGE = 1L << 2;

  static final int CONTROL_QUEUE = 0;
  static final int EVENT_QUEUE = 1;
  static final int FIRST_REQUEST_QUEUE = 2;

  static final int CDB_SIZE = 32;
  static final int SENSE_SIZE = 96;

  /** virtio_scsi_cmd_req: lun[8], tag u64, task_attr u8, prio u8, crn u8, cdb[CDB_SIZE]. */
  static final int REQ_LUN = 0;
  static final int REQ_TAG = 8;
  static final int REQ_TASK_ATTR = 16;
  static final int REQ_PRIO = 17;
  static final int REQ_CRN = 18;
  static final int REQ_CDB = 19;
  static final int REQ_SIZE = REQ_CDB + CDB_SIZE;

  /** virtio_scsi_cmd_resp: sense_len u32, residual u32, status_qualifier u16, status, response. */
  static final int RESP_SENSE_LEN = 0;
  static final int RESP_RESIDUAL = 4;
  static final int RESP_STATUS_QUALIFIER = 8;
  static final int RESP_STATUS = 10;
  static final int RESP_RESPONSE = 11;
  static final int RESP_SENSE = 12;
  static final int RESP_HEADER_SIZE = 12;
  /** Data-in starts after the header and the whole sense area. */
  static final int RESP_SIZE = RESP_HEADER_SIZE + SENSE_SIZE;

  // Response codes.
  static final int S_OK = 0;
  static final int S_OVERRUN = 1;
  static final int S_BAD_TARGET = 3;
  static final int S_FAILURE = 9;
  static final int S_FUNCTION_SUCCEEDED = 10;
  static final int S_FUNCTION_REJECTED = 11;
  static final int S_INCORRECT_LUN = 12;
  /** FUNCTION COMPLETE shares its value with OK. */
  static final int S_FUNCTION_COMPLETE = 0;

  // Control queue request types and TMF subtypes.
  static final int T_TMF = 0;
  static final int T_AN_QUERY = 1;
  static final int T_AN_SUBSCRIBE = 2;
  static final int TMF_ABORT_TASK = 0;
  static final int TMF_ABORT_TASK_SET = 1;
  static final int TMF_CLEAR_ACA = 2;
  static final int TMF_CLEAR_TASK_SET = 3;
  static final int TMF_I_T_NEXUS_RESET = 4;
  static final int TMF_LOGICAL_UNIT_RESET = 5;
  static final int TMF_QUERY_TASK = 6;
  static final int TMF_QUERY_TASK_SET = 7;

  /** virtio_scsi_ctrl_tmf_req: type u32, subtype u32, lun[8], tag u64; resp: response u8. */
  static final int TMF_REQ_SIZE = 24;
  static final int TMF_REQ_LUN = 8;
  /** virtio_scsi_ctrl_an_req: type u32, lun[8], event_requested u32; resp: event_actual u32, response u8. */
  static final int AN_REQ_SIZE = 16;
  static final int AN_REQ_LUN = 4;
  static final int AN_RESP_SIZE = 5;

  private VirtioScsi() {}
}
