/* global ol */
'use strict';
// The camera's page: its view (the circular sector of video.md) drawn on the location map, redrawn as the
// azimuth, field of view and range are typed or the camera is moved; with "aim on the map" ticked, a click
// sets the azimuth (towards the click) and the range (the distance to it) instead of moving the camera.
(function () {
    function sector(center, azimuth, fov, range) {
        // EPSG:3857 metres are 1/cos(latitude) ground metres; bearings clockwise from north.
        const lat = ol.proj.toLonLat(center)[1] * Math.PI / 180;
        const r = range / Math.cos(lat);
        const full = fov >= 360;
        const steps = Math.max(8, Math.ceil(Math.min(fov, 360) / 3));
        const start = full ? 0 : azimuth - fov / 2;
        const sweep = full ? 360 : fov;
        const ring = full ? [] : [center];
        for (let i = 0; i <= steps; i++) {
            const b = (start + sweep * i / steps) * Math.PI / 180;
            ring.push([center[0] + r * Math.sin(b), center[1] + r * Math.cos(b)]);
        }
        ring.push(ring[0]);
        return new ol.geom.Polygon([ring]);
    }

    function number(id) {
        const value = parseFloat((document.getElementById(id) || {}).value);
        return Number.isFinite(value) ? value : null;
    }

    document.addEventListener('DOMContentLoaded', function () {
        const widget = window.geodjango_location;
        if (!widget || !widget.map) { return; }
        const view = new ol.source.Vector();
        widget.map.addLayer(new ol.layer.Vector({
            source: view,
            style: new ol.style.Style({
                fill: new ol.style.Fill({color: 'rgba(30, 132, 73, 0.25)'}),
                stroke: new ol.style.Stroke({color: '#1e8449', width: 2})
            })
        }));
        const container = document.getElementById(widget.options.map_id);
        function point() {
            const features = widget.featureOverlay.getSource().getFeatures();
            return features.length ? features[0].getGeometry().getCoordinates() : null;
        }
        function redraw() {
            view.clear();
            const at = point(), azimuth = number('id_azimuth_deg'), fov = number('id_fov_deg'), range = number('id_range_m');
            if (at && azimuth !== null && fov && range) {
                view.addFeature(new ol.Feature(sector(at, azimuth, fov, range)));
                container.dataset.sector = [azimuth, fov, range].join(',');
            }
        }
        ['id_azimuth_deg', 'id_fov_deg', 'id_range_m'].forEach(function (id) {
            const input = document.getElementById(id);
            if (input) { input.addEventListener('input', redraw); }
        });
        widget.featureOverlay.getSource().on('change', redraw);
        const aim = document.getElementById('camera-aim');
        if (aim) {
            aim.addEventListener('change', function () {
                widget.interactions.draw.setActive(!aim.checked);
                widget.interactions.modify.setActive(!aim.checked);
            });
            widget.map.on('singleclick', function (event) {
                const at = point();
                if (!aim.checked || !at) { return; }
                const lat = ol.proj.toLonLat(at)[1] * Math.PI / 180;
                const dx = event.coordinate[0] - at[0], dy = event.coordinate[1] - at[1];
                const azimuth = (Math.atan2(dx, dy) * 180 / Math.PI + 360) % 360;
                document.getElementById('id_azimuth_deg').value = azimuth.toFixed(1);
                document.getElementById('id_range_m').value = Math.max(1, Math.hypot(dx, dy) * Math.cos(lat)).toFixed(0);
                redraw();
            });
        }
        redraw();
    });
})();
