"""The home scene drawn in Panda3D: the menu's cards standing in the glowing garden.

What the cards are and what picking one does is :class:`engine.player.home.HomeMenu` (pure);
this module draws them as self-lit panels on an arc around the child and picks them with the
same pointer ray as the story's choice panels.
"""

from __future__ import annotations

from typing import Any

from panda3d.core import (
    CardMaker,
    CollisionBox,
    CollisionNode,
    NodePath,
    Point3,
    TextNode,
    TransparencyAttrib,
)

from engine.content.program import EnvironmentSpec
from engine.player.controls import LookSettings, drag_look
from engine.player.home import (
    Card,
    CardKind,
    HomeAction,
    HomeMenu,
    Notice,
    Redraw,
    card_places,
)
from engine.player.screen import load_font, project_to_window
from engine.scene.layout import line_height_for
from engine.scene.palette import Color, look_for, readable_on
from engine.scene.panels import (
    CHOICE_BACKGROUND,
    CHOICE_HOVER,
    PANEL_BACKGROUND,
    PICK_MASK,
    TEXT_COLOR,
    Picker,
)
from engine.scene.world import World

__all__ = ["HomeScene"]

HOME_ENVIRONMENT = EnvironmentSpec(preset="night_garden", time="dusk", glow=0.85, blight=0.0)
# ~15 characters of title per row; the height follows the fullest card on the page.
CARD_WIDTH = 0.8
MIN_CARD_HEIGHT = 0.3
CARD_DISTANCE = 2.6
CARD_MARGIN = 0.045
COVER_HEIGHT = 0.07
CARD_COLUMNS = 3  # three cards of this width fill ~60 degrees: all in view at once
NOTICE_SECONDS = 6.0


def _hex(colour: str) -> Color:
    value = colour.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


def _card(parent: NodePath, name: str, frame: tuple[float, float, float, float]) -> NodePath:
    maker = CardMaker(name)
    maker.set_frame(*frame)
    card = parent.attach_new_node(maker.generate())
    card.set_transparency(TransparencyAttrib.M_alpha)
    card.set_two_sided(True)
    return card


class HomeScene:
    def __init__(
        self, base: Any, menu: HomeMenu, eye_height: float, plants: int = 600, fov: float = 75.0
    ) -> None:
        self.base = base
        self.menu = menu
        self.eye_height = eye_height
        self.font = load_font(base)
        self.world = World(base.render, seed=11, plants=plants)
        self.world.apply(look_for(HOME_ENVIRONMENT))
        base.camera.reparent_to(base.render)
        base.camera.set_pos(0, 0, eye_height)
        base.camera.set_hpr(0, -4, 0)
        base.camLens.set_fov(fov)
        base.camLens.set_near_far(0.05, 1000)
        self.world.set_viewer(base.cam, base.camLens)
        self.root = base.render.attach_new_node("home-cards")
        self.root.set_light_off(1)
        self.picker = Picker(base.camera, self.root)
        self.heading, self._heading_np = self._overlay_text("home-heading", 0.82, 0.075)
        self.notice, self._notice_np = self._overlay_text("home-notice", -0.82, 0.055)
        self.notice_seconds = 0.0
        self.cards: list[NodePath] = []
        self.backgrounds: list[NodePath] = []
        self.hovered: int | None = None
        self.look_settings = LookSettings()
        self.draw()

    def _overlay_text(self, name: str, z: float, scale: float) -> tuple[TextNode, NodePath]:
        node = TextNode(name)
        if self.font is not None:
            node.set_font(self.font)
        node.set_align(TextNode.A_center)
        node.set_text_color(*TEXT_COLOR, 1)
        node.set_card_color(*PANEL_BACKGROUND, 0.8)
        node.set_card_as_margin(0.5, 0.5, 0.25, 0.25)
        node.set_wordwrap(30)
        holder = self.base.aspect2d.attach_new_node(node)
        holder.set_scale(scale)
        holder.set_pos(0, 0, z)
        return node, holder

    # -- drawing -------------------------------------------------------------------------------

    def draw(self) -> None:
        self.root.get_children().detach()
        self.cards, self.backgrounds, self.hovered = [], [], None
        self.heading.set_text(self.menu.heading)
        cards = self.menu.cards()
        contents = [self._card_text(card) for card in cards]
        # One height for the whole page (the fullest card's), so the rows line up.
        height = max((needed for _, needed in contents), default=MIN_CARD_HEIGHT)
        height = max(MIN_CARD_HEIGHT, height + CARD_MARGIN)
        places = card_places(
            len(cards),
            self.eye_height,
            columns=CARD_COLUMNS,
            radius=CARD_DISTANCE,
            width=CARD_WIDTH,
            height=height,
        )
        for index, (card, (text, _), place) in enumerate(zip(cards, contents, places, strict=True)):
            holder = self.root.attach_new_node(f"card-{index}")
            holder.set_pos(place.x, place.y, place.z + height / 2)  # holders hang from the top
            holder.set_h(place.heading)
            text.reparent_to(holder)
            self._build_card(holder, index, card, height)
            self.cards.append(holder)

    def _card_text(self, card: Card) -> tuple[NodePath, float]:
        """The card's words, laid out from its top edge down; and the height they need."""
        block = NodePath("card-text")
        line = line_height_for(CARD_DISTANCE)
        blocks: list[tuple[str, float, Color]] = [(card.title, line * 1.35, TEXT_COLOR)]
        blocks += [(text, line, TEXT_COLOR) for text in card.lines]
        if card.marker is not None:
            blocks.append((card.marker, line, readable_on(_hex(card.colour), CHOICE_BACKGROUND)))
        cursor = -COVER_HEIGHT - line * 0.4
        for text, scale, colour in blocks:
            label = self._text(text, scale, colour)
            label.reparent_to(block)
            label.set_pos(-CARD_WIDTH / 2 + CARD_MARGIN, -0.002, cursor - scale * 0.85)
            cursor -= scale * 1.2 * max(1, label.node().get_num_rows()) + line * 0.3
        return block, -cursor

    def _build_card(self, holder: NodePath, index: int, card: Card, height: float) -> None:
        half_w = CARD_WIDTH / 2
        background = _card(holder, "background", (-half_w, half_w, -height, 0))
        background.set_color(*self._background_for(card), 0.94)
        background.set_y(0.002)
        self.backgrounds.append(background)
        cover = _card(holder, "cover", (-half_w, half_w, -COVER_HEIGHT, 0))
        cover.set_color(*_hex(card.colour), 1)
        solid = CollisionNode(f"pick-card-{index}")
        solid.add_solid(CollisionBox(Point3(-half_w, -0.01, -height), Point3(half_w, 0.01, 0)))
        solid.set_into_collide_mask(PICK_MASK)
        solid.set_from_collide_mask(0)
        # Tagged like a choice panel, so the story's Picker finds cards too.
        holder.attach_new_node(solid).set_python_tag("choice", index)

    def _text(self, text: str, scale: float, colour: Color) -> NodePath:
        node = TextNode("card-text")
        if self.font is not None:
            node.set_font(self.font)
        node.set_text_color(*colour, 1)
        node.set_wordwrap((CARD_WIDTH - 2 * CARD_MARGIN) / scale)
        node.set_text(text)
        holder = NodePath(node)
        holder.set_scale(scale)
        return holder

    @staticmethod
    def _background_for(card: Card) -> Color:
        if card.kind is CardKind.BROKEN:
            return (0.16, 0.14, 0.14)
        return CHOICE_BACKGROUND

    # -- per frame and input -------------------------------------------------------------------

    def frame(self, dt: float, pointer: tuple[float, float] | None) -> None:
        self.world.update(dt)
        index = None
        if pointer is not None:
            index = self.picker.pick_choice(self.base.camNode, *pointer)
        self._hover(index)
        if self.notice_seconds > 0:
            self.notice_seconds -= dt
            if self.notice_seconds <= 0:
                self.notice.set_text("")

    def _hover(self, index: int | None) -> None:
        if index == self.hovered:
            return
        self.hovered = index
        cards = self.menu.cards()
        for position, (holder, background) in enumerate(
            zip(self.cards, self.backgrounds, strict=True)
        ):
            lit = position == index and cards[position].selectable
            background.set_color(*(CHOICE_HOVER if lit else self._background_for(cards[position])))
            holder.set_scale(1.05 if position == index else 1.0)

    def pick(self, pointer: tuple[float, float] | None) -> int | None:
        if pointer is None:
            return None
        return self.picker.pick_choice(self.base.camNode, *pointer)

    def select(self, index: int | None) -> HomeAction | None:
        """Pick card ``index`` (pointer or number key); redraws or shows a notice itself."""
        if index is None:
            return None
        action = self.menu.select(index)
        if isinstance(action, Notice):
            self.notice.set_text(action.text)
            self.notice_seconds = NOTICE_SECONDS
        elif isinstance(action, Redraw):
            self.draw()
        return action

    def look(self, dx_pixels: float, dy_pixels: float) -> None:
        heading, pitch = drag_look(
            self.base.camera.get_h(),
            self.base.camera.get_p(),
            dx_pixels,
            dy_pixels,
            self.look_settings,
        )
        self.base.camera.set_hpr(heading, pitch, 0)

    def card_pixel(self, index: int) -> tuple[int, int] | None:
        """Where card ``index`` is in the window (for tests and pointer hints)."""
        return project_to_window(self.base, self.cards[index])

    def close(self) -> None:
        self.world.close()
        self.picker.ray_np.remove_node()
        self.root.remove_node()
        self._heading_np.remove_node()
        self._notice_np.remove_node()
