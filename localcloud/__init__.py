"""A local stand-in for Tencent Cloud: COS and FaceID emulators, a gateway that turns HTTP into
function events, and a demo page. Development and test only; nothing here ships in the layer."""
