"""The artist's own portrait as the talking head: a photo warped by the clip's controls.

``landmarks`` finds the face once per photo (MediaPipe Face Mesh, a model inside its wheel)
and caches it; ``photo`` decodes the picture bounded and frames it; ``face_model`` turns the
rig's controls (FACS action units, jaw and lip shape, blinks, gaze, head pose, breath) into
landmark displacements; ``mesh`` interpolates them into a dense displacement field over a
triangulated landmark mesh with anchors around the head and inverts it for one remap per
frame; ``mouth`` paints the mouth interior that parted lips reveal; ``rig`` ties them into
a drop-in for the drawn rig (``PortraitRig.draw(controls) -> RGBA``).
"""
