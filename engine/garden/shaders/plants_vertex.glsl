#version 330
// One instanced draw per level of detail. gl_InstanceID indexes this frame's visible list:
// rows of (first plant, first instance, count) per visible chunk, found by binary search.

in vec4 p3d_Vertex;  // x: the vertex number within the species mesh
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ViewMatrixInverse;

uniform samplerBuffer plants;  // 2 texels per plant: (x, y, scale, heading), (species, phase, threshold, 0)
uniform samplerBuffer meshes;  // 2 texels per vertex: (x, y, z, part), (nx, ny, nz, 0)
uniform samplerBuffer visible_rows;
uniform sampler2D blight;  // one byte per grid cell
uniform ivec4 level;  // (first row, row count, first mesh vertex, vertices per species)
uniform int billboard;
uniform vec4 field_rect;  // (origin x, origin y, cells per metre, cells per side)
uniform vec3 glow_colour;
uniform vec3 dim_colour;
uniform vec3 stem_colour;
uniform mat4 tints;  // row i: species i's tint
uniform vec2 pulse;  // (time in seconds, depth)

out vec3 colour;

const float PULSE_HZ = 0.2;
const float SOFTNESS = 0.2;

void main() {
    int low = 0;
    int high = level.y - 1;
    float instance = float(gl_InstanceID);
    while (low < high) {
        int middle = (low + high + 1) / 2;
        if (texelFetch(visible_rows, level.x + middle).y <= instance) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    vec4 row = texelFetch(visible_rows, level.x + low);
    int plant = int(row.x + 0.5) + gl_InstanceID - int(row.y + 0.5);
    vec4 place = texelFetch(plants, plant * 2);
    vec4 traits = texelFetch(plants, plant * 2 + 1);
    int species = int(traits.x + 0.5);
    int vertex = level.z + species * level.w + int(p3d_Vertex.x + 0.5);
    vec4 position = texelFetch(meshes, vertex * 2);
    vec4 normal = texelFetch(meshes, vertex * 2 + 1);

    vec3 world;
    if (billboard == 1) {
        // A card that turns about its upright axis to face this eye.
        vec2 to_eye = p3d_ViewMatrixInverse[3].xy - place.xy;
        float distance = length(to_eye);
        vec2 facing = distance > 1e-4 ? to_eye / distance : vec2(0.0, 1.0);
        vec2 side = vec2(facing.y, -facing.x);
        world = vec3(place.xy + side * position.x * place.z, position.z * place.z);
    } else {
        float c = cos(place.w);
        float s = sin(place.w);
        vec2 turned = vec2(position.x * c - position.y * s, position.x * s + position.y * c);
        world = vec3(place.xy + turned * place.z, position.z * place.z);
    }
    gl_Position = p3d_ModelViewProjectionMatrix * vec4(world, 1.0);

    int cells = int(field_rect.w);
    ivec2 cell = clamp(ivec2((place.xy - field_rect.xy) * field_rect.z), ivec2(0), ivec2(cells - 1));
    float sick = texelFetch(blight, cell, 0).r;
    float lit = clamp((traits.z - sick) / SOFTNESS + 0.5, 0.0, 1.0);
    float breathing = 1.0 - pulse.y + pulse.y * sin(6.2831853 * (pulse.x * PULSE_HZ + traits.y));
    vec3 glow = glow_colour * tints[species].xyz * breathing;
    vec3 head = dim_colour * (1.0 - lit) + glow * lit;
    vec3 base = position.w > 0.5 ? head : stem_colour;
    colour = clamp(base * (0.75 + 0.25 * normal.z), 0.0, 1.0);
}
