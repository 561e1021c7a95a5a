/* global ol */
'use strict';
// Additions to Django's MapWidget (gis/js/OLMapWidget.js), called from
// gis/offline-openlayers.html: a reference layer drawn under the geometry
// (GeoJSON in EPSG:4326 from a URL or embedded in the page; features with an
// id, e.g. pipelines, can be highlighted) and a read-only mode.
window.PipelineMaps = (function () {
    const referenceStroke = new ol.style.Style({stroke: new ol.style.Stroke({color: 'rgba(31, 95, 168, 0.6)', width: 2})});
    const highlightStroke = [
        new ol.style.Style({stroke: new ol.style.Stroke({color: 'rgba(255, 255, 255, 0.9)', width: 8})}),
        new ol.style.Style({stroke: new ol.style.Stroke({color: '#e67e22', width: 4})})
    ];

    function referenceLayer(widget, options) {
        let source;
        if (options.referenceUrl) {
            source = new ol.source.Vector({url: options.referenceUrl, format: new ol.format.GeoJSON()});
        } else {
            const data = JSON.parse(document.getElementById(options.referenceSource).textContent);
            source = new ol.source.Vector({
                features: new ol.format.GeoJSON().readFeatures(data, {
                    dataProjection: 'EPSG:4326', featureProjection: widget.map.getView().getProjection()
                })
            });
        }
        return new ol.layer.Vector({
            source: source,
            style: function (feature) {
                return feature.getId() !== undefined && feature.getId() === widget.highlightedPipeline
                    ? highlightStroke : referenceStroke;
            }
        });
    }

    function highlight(widget, id, fit) {
        widget.highlightedPipeline = id;
        if (!widget.referenceLayer) {
            return;
        }
        const source = widget.referenceLayer.getSource();
        const show = function () {
            widget.referenceLayer.changed();
            const feature = id === null ? null : source.getFeatureById(id);
            if (feature && fit !== false) {
                widget.map.getView().fit(feature.getGeometry().getExtent(), {padding: [30, 30, 30, 30], maxZoom: 16});
            }
            // Clicks map to the view last drawn: say when the highlighted view is on screen.
            widget.map.once('rendercomplete', function () {
                document.getElementById(widget.options.map_id).dataset.highlighted = id === null ? '' : String(id);
            });
            widget.map.render();
        };
        if (source.getFeatures().length) {
            show();
        } else {
            source.once('featuresloadend', show);
        }
    }

    function readOnly(widget) {
        widget.interactions.draw.setActive(false);
        widget.interactions.modify.setActive(false);
        widget.readOnly = true;
        widget.featureOverlay.setStyle(new ol.style.Style({
            image: new ol.style.Circle({
                radius: 7, fill: new ol.style.Fill({color: '#c0392b'}), stroke: new ol.style.Stroke({color: '#fff', width: 2})
            }),
            stroke: new ol.style.Stroke({color: '#c0392b', width: 3}),
            fill: new ol.style.Fill({color: 'rgba(192, 57, 43, 0.2)'})
        }));
        const extent = widget.featureOverlay.getSource().getExtent();
        if (!ol.extent.isEmpty(extent)) {
            widget.map.getView().fit(extent, {padding: [40, 40, 40, 40], maxZoom: 16});
        }
    }

    function decorate(widget, options) {
        if (options.referenceUrl || options.referenceSource) {
            widget.referenceLayer = referenceLayer(widget, options);
            widget.map.getLayers().insertAt(1, widget.referenceLayer);
        }
        widget.highlight = function (id, fit) { highlight(widget, id, fit); };
        if (options.readonly) {
            readOnly(widget);
        }
        document.getElementById(widget.options.map_id).classList.add('map-ready');
        return widget;
    }

    return {decorate: decorate};
})();
