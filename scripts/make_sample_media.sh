#!/usr/bin/env bash
# How the tutorial's sample media in cftutorial/data/ were made (run once; the files are committed,
# so neither the notebooks nor the tests need ffmpeg).
#
#   video.mp4        4 s, 320x180, 25 fps, H.264 baseline + AAC 440 Hz tone, faststart (~50 KB)
#   hls/video.m3u8   an HLS rendition of the same video: 1 s segments hls/video0.ts .. video3.ts
#   hello.html       a small HTML object (written by hand, not by this script)
#
# The picture is ffmpeg's built-in test pattern (testsrc) and the sound a sine tone, so the media
# carry no third-party content. A keyframe every 25 frames lets the HLS segmenter cut at 1 s.
set -euo pipefail
cd "$(dirname "$0")/../cftutorial/data"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i testsrc=size=320x180:rate=25:duration=4 \
  -f lavfi -i sine=frequency=440:sample_rate=44100:duration=4 \
  -c:v libx264 -preset veryfast -profile:v baseline -pix_fmt yuv420p -crf 30 \
  -g 25 -keyint_min 25 -sc_threshold 0 \
  -c:a aac -b:a 64k -shortest -movflags +faststart video.mp4
rm -rf hls && mkdir -p hls
ffmpeg -hide_banner -loglevel error -y -i video.mp4 -c copy -f hls -hls_time 1 \
  -hls_list_size 0 -hls_playlist_type vod -hls_segment_filename 'hls/video%d.ts' hls/video.m3u8
ls -l video.mp4 hls
