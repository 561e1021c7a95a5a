/* global ol */
'use strict';
// Draws a GeoJSON FeatureCollection (EPSG:4326) embedded in the page with
// json_script on an OpenLayers map. Each feature may carry the properties
// `label` (tooltip), `url` (opened on click) and `color`.
(function () {
    function styleFor(feature) {
        const color = feature.get('color') || '#1f5fa8';
        const geometryType = feature.getGeometry().getType();
        if (geometryType.includes('Point')) {
            return new ol.style.Style({
                image: new ol.style.Circle({
                    radius: 5,
                    fill: new ol.style.Fill({color: color}),
                    stroke: new ol.style.Stroke({color: '#fff', width: 1})
                })
            });
        }
        return new ol.style.Style({stroke: new ol.style.Stroke({color: color, width: feature.get('width') || 2})});
    }

    function init(container) {
        const data = JSON.parse(document.getElementById(container.dataset.source).textContent);
        const features = new ol.format.GeoJSON().readFeatures(data, {
            dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857'
        });
        const layers = [];
        if (container.dataset.tileUrl) {
            layers.push(new ol.layer.Tile({source: new ol.source.XYZ({
                url: container.dataset.tileUrl, attributions: container.dataset.tileAttribution || ''
            })}));
        }
        const source = new ol.source.Vector({features: features});
        layers.push(new ol.layer.Vector({source: source, style: styleFor}));
        const view = new ol.View({
            center: ol.proj.fromLonLat([parseFloat(container.dataset.lon), parseFloat(container.dataset.lat)]),
            zoom: parseFloat(container.dataset.zoom)
        });
        const map = new ol.Map({target: container, layers: layers, view: view});
        if (features.length) {
            view.fit(source.getExtent(), {padding: [20, 20, 20, 20], maxZoom: 15});
        }
        container.dataset.featureCount = String(features.length);
        const tooltip = container.querySelector('.map-tooltip');
        map.on('pointermove', function (event) {
            const feature = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4});
            map.getTargetElement().style.cursor = feature && feature.get('url') ? 'pointer' : '';
            if (tooltip) {
                if (feature && feature.get('label')) {
                    tooltip.textContent = feature.get('label');
                    tooltip.style.left = (event.pixel[0] + 12) + 'px';
                    tooltip.style.top = (event.pixel[1] + 12) + 'px';
                    tooltip.style.display = 'block';
                } else {
                    tooltip.style.display = 'none';
                }
            }
        });
        map.on('singleclick', function (event) {
            const feature = map.forEachFeatureAtPixel(event.pixel, f => f, {hitTolerance: 4});
            if (feature && feature.get('url')) {
                window.location.href = feature.get('url');
            }
        });
        container.overviewMap = map;
        container.classList.add('map-ready');
    }

    document.addEventListener('DOMContentLoaded', function () {
        document.querySelectorAll('.overview-map[data-source]').forEach(init);
    });
})();
