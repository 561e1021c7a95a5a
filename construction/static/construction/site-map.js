/* global ol */
'use strict';
// Draws a work area over the pipelines and their bands (GeoJSON in EPSG:4326, embedded with json_script):
// features carry `color`, `width` (lines), `radius` and `text` (points, e.g. the
// closing order of a valve) and `label` (tooltip).
(function () {
    function styleFor(feature) {
        const color = feature.get('color') || '#1f5fa8';
        if (feature.getGeometry().getType().includes('Point')) {
            return new ol.style.Style({
                image: new ol.style.Circle({
                    radius: feature.get('radius') || 5,
                    fill: new ol.style.Fill({color: color}),
                    stroke: new ol.style.Stroke({color: '#fff', width: 1.5})
                }),
                text: feature.get('text') ? new ol.style.Text({
                    text: feature.get('text'), offsetY: -14, font: 'bold 12px sans-serif',
                    fill: new ol.style.Fill({color: '#000'}), stroke: new ol.style.Stroke({color: '#fff', width: 3})
                }) : undefined
            });
        }
        return new ol.style.Style({
            stroke: new ol.style.Stroke({color: color, width: feature.get('width') || 2}),
            fill: feature.get('fill') ? new ol.style.Fill({color: color + '33'}) : undefined
        });
    }

    function init(container) {
        const data = JSON.parse(document.getElementById(container.dataset.source).textContent);
        const features = new ol.format.GeoJSON().readFeatures(data, {
            dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857'
        });
        // Lines under points, wide isolated stretches above the plain pipelines.
        features.forEach(function (f, i) { f.set('z', f.getGeometry().getType().includes('Point') ? 1000 + i : (f.get('width') || 2)); });
        const layers = [];
        if (container.dataset.tileUrl) {
            layers.push(new ol.layer.Tile({source: new ol.source.XYZ({
                url: container.dataset.tileUrl, attributions: container.dataset.tileAttribution || ''
            })}));
        }
        const source = new ol.source.Vector({features: features});
        layers.push(new ol.layer.Vector({
            source: source, style: styleFor,
            renderOrder: function (a, b) { return a.get('z') - b.get('z'); }
        }));
        const view = new ol.View({center: [0, 0], zoom: 2});
        const map = new ol.Map({target: container, layers: layers, view: view});
        view.fit(source.getExtent(), {padding: [30, 30, 30, 30], maxZoom: 15});
        const tooltip = container.querySelector('.map-tooltip');
        map.on('pointermove', function (event) {
            const feature = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4});
            if (!tooltip) { return; }
            if (feature && feature.get('label')) {
                tooltip.textContent = feature.get('label');
                tooltip.style.left = (event.pixel[0] + 12) + 'px';
                tooltip.style.top = (event.pixel[1] + 12) + 'px';
                tooltip.style.display = 'block';
            } else {
                tooltip.style.display = 'none';
            }
        });
        container.dataset.featureCount = String(features.length);
        container.siteMap = map;
        container.classList.add('map-ready');
    }

    document.addEventListener('DOMContentLoaded', function () {
        document.querySelectorAll('.site-map[data-source]').forEach(init);
    });
})();
