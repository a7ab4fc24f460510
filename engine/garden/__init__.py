"""The garden's pure core: spec, scatter into chunks, culling, levels of detail, blight.

Nothing here imports panda3d; ``engine.garden.render`` is the Panda3D side.
"""
