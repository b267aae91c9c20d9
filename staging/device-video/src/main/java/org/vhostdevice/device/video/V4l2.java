// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
package org.vhostdevice.device.video;

/**
 * The parts of {@code linux/videodev2.h} this daemon uses: ioctl numbers, struct sizes and field
 * offsets (x86_64 / LP64), and enum values. {@code V4l2LayoutTest} checks them against the
 * values the C compiler reports for the header.
 */
public final class V4l2 {
  private V4l2() {}

  // ioctl requests: _IOC(dir, 'V', nr, sizeof(struct)).
  public static final int VIDIOC_QUERYCAP = 0x80685600;
  public static final int VIDIOC_ENUM_FMT = 0xc0405602;
  public static final int VIDIOC_G_FMT = 0xc0d05604;
  public static final int VIDIOC_S_FMT = 0xc0d05605;
  public static final int VIDIOC_REQBUFS = 0xc0145608;
  public static final int VIDIOC_QBUF = 0xc058560f;
  public static final int VIDIOC_DQBUF = 0xc0585611;
  public static final int VIDIOC_STREAMON = 0x40045612;
  public static final int VIDIOC_STREAMOFF = 0x40045613;
  public static final int VIDIOC_QUERYCTRL = 0xc0445624;
  public static final int VIDIOC_ENUM_FRAMESIZES = 0xc02c564a;
  public static final int VIDIOC_ENUM_FRAMEINTERVALS = 0xc034564b;
  public static final int VIDIOC_DQEVENT = 0x80885659;
  public static final int VIDIOC_SUBSCRIBE_EVENT = 0x4020565a;
  public static final int VIDIOC_G_SELECTION = 0xc040565e;
  public static final int VIDIOC_DECODER_CMD = 0xc0485660;

  /** Builds an ioctl number the way the kernel's _IOC macro does (for the layout test). */
  static int ioc(int dir, int nr, int size) {
    return (dir << 30) | (size << 16) | ('V' << 8) | nr;
  }

  // struct v4l2_capability (104)
  public static final int CAPABILITY_SIZE = 104;
  public static final int CAP_CAPABILITIES = 84;
  public static final int CAP_DEVICE_CAPS = 88;
  public static final int CAP_VIDEO_M2M_MPLANE = 0x4000;
  public static final int CAP_STREAMING = 0x0400_0000;
  public static final int CAP_DEVICE_CAPS_VALID = 0x8000_0000;

  // struct v4l2_fmtdesc (64)
  public static final int FMTDESC_SIZE = 64;
  public static final int FMTDESC_INDEX = 0;
  public static final int FMTDESC_TYPE = 4;
  public static final int FMTDESC_FLAGS = 8;
  public static final int FMTDESC_PIXELFORMAT = 44;

  // struct v4l2_frmsizeenum (44)
  public static final int FRMSIZE_SIZE = 44;
  public static final int FRMSIZE_INDEX = 0;
  public static final int FRMSIZE_PIXEL_FORMAT = 4;
  public static final int FRMSIZE_TYPE = 8;
  public static final int FRMSIZE_UNION = 12;
  public static final int FRMSIZE_TYPE_DISCRETE = 1;

  // struct v4l2_frmivalenum (52)
  public static final int FRMIVAL_SIZE = 52;
  public static final int FRMIVAL_INDEX = 0;
  public static final int FRMIVAL_PIXEL_FORMAT = 4;
  public static final int FRMIVAL_WIDTH = 8;
  public static final int FRMIVAL_HEIGHT = 12;
  public static final int FRMIVAL_TYPE = 16;
  public static final int FRMIVAL_UNION = 20;
  public static final int FRMIVAL_TYPE_DISCRETE = 1;

  // struct v4l2_format (208) with struct v4l2_pix_format_mplane (192) at 8
  public static final int FORMAT_SIZE = 208;
  public static final int FORMAT_TYPE = 0;
  public static final int FORMAT_FMT = 8;
  public static final int PIX_MP_SIZE = 192;
  public static final int PIX_MP_WIDTH = 0;
  public static final int PIX_MP_HEIGHT = 4;
  public static final int PIX_MP_PIXELFORMAT = 8;
  public static final int PIX_MP_FIELD = 12;
  public static final int PIX_MP_PLANE_FMT = 20;
  public static final int PLANE_PIX_FORMAT_SIZE = 20;
  public static final int PLANE_PIX_SIZEIMAGE = 0;
  public static final int PLANE_PIX_BYTESPERLINE = 4;
  public static final int PIX_MP_NUM_PLANES = 180;
  public static final int VIDEO_MAX_PLANES = 8;

  // struct v4l2_selection (64)
  public static final int SELECTION_SIZE = 64;
  public static final int SELECTION_TYPE = 0;
  public static final int SELECTION_TARGET = 4;
  public static final int SELECTION_RECT = 12;
  public static final int SEL_TGT_CROP = 0;
  public static final int SEL_TGT_COMPOSE = 0x100;

  // struct v4l2_requestbuffers (20)
  public static final int REQBUFS_SIZE = 20;
  public static final int REQBUFS_COUNT = 0;
  public static final int REQBUFS_TYPE = 4;
  public static final int REQBUFS_MEMORY = 8;

  // struct v4l2_buffer (88) and struct v4l2_plane (64)
  public static final int BUFFER_SIZE = 88;
  public static final int BUFFER_INDEX = 0;
  public static final int BUFFER_TYPE = 4;
  public static final int BUFFER_BYTESUSED = 8;
  public static final int BUFFER_FLAGS = 12;
  public static final int BUFFER_FIELD = 16;
  public static final int BUFFER_TIMESTAMP = 24;
  public static final int BUFFER_SEQUENCE = 56;
  public static final int BUFFER_MEMORY = 60;
  public static final int BUFFER_M = 64;
  public static final int BUFFER_LENGTH = 72;
  public static final int PLANE_SIZE = 64;
  public static final int PLANE_BYTESUSED = 0;
  public static final int PLANE_LENGTH = 4;
  public static final int PLANE_M = 8;
  public static final int PLANE_DATA_OFFSET = 16;

  // struct v4l2_event_subscription (32), struct v4l2_event (136)
  public static final int EVENT_SUBSCRIPTION_SIZE = 32;
  public static final int EVENT_SIZE = 136;
  public static final int EVENT_TYPE = 0;
  public static final int EVENT_PENDING = 72;
  public static final int EVENT_EOS = 2;
  public static final int EVENT_SOURCE_CHANGE = 5;

  // struct v4l2_decoder_cmd (72)
  public static final int DECODER_CMD_SIZE = 72;
  public static final int DEC_CMD_STOP = 1;

  // struct v4l2_queryctrl (68)
  public static final int QUERYCTRL_SIZE = 68;
  public static final int QUERYCTRL_ID = 0;
  public static final int QUERYCTRL_DEFAULT = 52;

  // enums
  public static final int BUF_TYPE_VIDEO_CAPTURE_MPLANE = 9;
  public static final int BUF_TYPE_VIDEO_OUTPUT_MPLANE = 10;
  public static final int MEMORY_USERPTR = 2;
  public static final int FIELD_NONE = 1;
  public static final int BUF_FLAG_ERROR = 0x40;
  public static final int BUF_FLAG_KEYFRAME = 0x8;
  public static final int BUF_FLAG_PFRAME = 0x10;
  public static final int BUF_FLAG_BFRAME = 0x20;
  public static final int BUF_FLAG_LAST = 0x10_0000;

  // epoll bits the kernel's poll for V4L2 reports (Epoll only names IN/ERR/HUP).
  public static final int EPOLLIN = 0x001;
  public static final int EPOLLPRI = 0x002;
  public static final int EPOLLOUT = 0x004;
  public static final int EPOLLET = 1 << 31;

  // Control IDs for the virtio-video controls 1..7.
  public static final int CID_MPEG_VIDEO_BITRATE = 0x009909cf;
  public static final int CID_MPEG_VIDEO_H264_PROFILE = 0x00990a6b;
  public static final int CID_MPEG_VIDEO_H264_LEVEL = 0x00990a67;
  public static final int CID_MPEG_VIDEO_FORCE_KEY_FRAME = 0x009909e5;
  public static final int CID_MPEG_VIDEO_BITRATE_MODE = 0x009909ce;
  public static final int CID_MPEG_VIDEO_BITRATE_PEAK = 0x009909d0;
  public static final int CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR = 0x00990b84;

  static int fourcc(String s) {
    return s.charAt(0) | (s.charAt(1) << 8) | (s.charAt(2) << 16) | (s.charAt(3) << 24);
  }

  public static final int PIX_FMT_ABGR32 = fourcc("AR24");
  public static final int PIX_FMT_NV12 = fourcc("NV12");
  public static final int PIX_FMT_YUV420 = fourcc("YU12");
  public static final int PIX_FMT_YVU420 = fourcc("YV12");
  public static final int PIX_FMT_MPEG2 = fourcc("MPG2");
  public static final int PIX_FMT_MPEG4 = fourcc("MPG4");
  public static final int PIX_FMT_H264 = fourcc("H264");
  public static final int PIX_FMT_HEVC = fourcc("HEVC");
  public static final int PIX_FMT_VP8 = fourcc("VP80");
  public static final int PIX_FMT_VP9 = fourcc("VP90");
  public static final int PIX_FMT_FWHT = fourcc("FWHT");

  private static final int[][] FORMATS = {
    {PIX_FMT_ABGR32, VideoProtocol.FORMAT_ARGB8888},
    {PIX_FMT_NV12, VideoProtocol.FORMAT_NV12},
    {PIX_FMT_YUV420, VideoProtocol.FORMAT_YUV420},
    {PIX_FMT_YVU420, VideoProtocol.FORMAT_YVU420},
    {PIX_FMT_MPEG2, VideoProtocol.FORMAT_MPEG2},
    {PIX_FMT_MPEG4, VideoProtocol.FORMAT_MPEG4},
    {PIX_FMT_H264, VideoProtocol.FORMAT_H264},
    {PIX_FMT_HEVC, VideoProtocol.FORMAT_HEVC},
    {PIX_FMT_VP8, VideoProtocol.FORMAT_VP8},
    {PIX_FMT_VP9, VideoProtocol.FORMAT_VP9},
    {PIX_FMT_FWHT, VideoProtocol.FORMAT_FWHT},
  };

  /** The virtio-video format for a V4L2 fourcc, or 0 when it has none. */
  static int toVirtio(int fourcc) {
    for (int[] f : FORMATS) {
      if (f[0] == fourcc) {
        return f[1];
      }
    }
    return 0;
  }

  /** The V4L2 fourcc for a virtio-video format, or 0 when it has none. */
  static int toFourcc(int virtio) {
    for (int[] f : FORMATS) {
      if (f[1] == virtio) {
        return f[0];
      }
    }
    return 0;
  }

  private static final int[] CONTROLS = {
    CID_MPEG_VIDEO_BITRATE, CID_MPEG_VIDEO_H264_PROFILE, CID_MPEG_VIDEO_H264_LEVEL,
    CID_MPEG_VIDEO_FORCE_KEY_FRAME, CID_MPEG_VIDEO_BITRATE_MODE, CID_MPEG_VIDEO_BITRATE_PEAK,
    CID_MPEG_VIDEO_PREPEND_SPSPPS_TO_IDR,
  };

  /** The V4L2 control ID of a virtio-video control (1..7). */
  static int controlId(int virtioControl) {
    return CONTROLS[virtioControl - 1];
  }
}
