#version 330
// The glow is emissive: plants light themselves, so no scene light reaches this shader.

in vec3 colour;
out vec4 p3d_FragColor;

void main() {
    p3d_FragColor = vec4(colour, 1.0);
}
